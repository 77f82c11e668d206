/**
 * Demo content for "The Harbour Gazette", a small fictional newspaper serving
 * the fictional town of Port Ellery. All people, places, organisations and
 * events are invented. Used to seed a Broadsheet instance with realistic data.
 *
 * Plain typed data only: no imports, no side effects.
 */

export interface DemoAuthor {
  key: string;
  name: string;
  email: string;
  bio: string;
  avatarUrl: string;
  website: string | null;
  social: Record<string, string>;
}

export interface DemoCategory {
  key: string;
  name: string;
  description: string;
  /** key of another category, or null for a top-level category */
  parent: string | null;
}

export interface DemoTag {
  key: string;
  name: string;
  description: string;
}

export interface DemoArticle {
  key: string;
  title: string;
  subtitle: string | null;
  /** Markdown */
  body: string;
  /** author key */
  author: string;
  /** category keys */
  categories: string[];
  /** tag keys */
  tags: string[];
  status: 'published' | 'draft' | 'scheduled';
  /** published: hours before "now" (positive); scheduled: negative (hours in the future); draft: null */
  publishedHoursAgo: number | null;
  featured: boolean;
  featuredImage: { url: string; alt: string; caption: string | null } | null;
  seo: { title: string | null; description: string | null; canonicalUrl: string | null } | null;
  commentStatus: 'open' | 'closed';
}

export interface DemoComment {
  key: string;
  /** article key */
  article: string;
  /** key of the parent comment, or null for a top-level comment */
  parent: string | null;
  authorName: string;
  authorEmail: string;
  authorUrl: string | null;
  body: string;
  status: 'approved' | 'pending';
  minutesAfterPublish: number;
}

// ---------------------------------------------------------------------------
// Authors
// ---------------------------------------------------------------------------

export const demoAuthors: DemoAuthor[] = [
  {
    key: 'marta-quinlan',
    name: 'Marta Quinlan',
    email: 'marta.quinlan@harbourgazette.example',
    bio: 'Marta Quinlan has covered Port Ellery town hall for the Gazette since 2016, sitting through more budget meetings than she cares to count. Before that she reported on courts and coastal communities for a regional wire service. She grew up on a trawler and still checks the shipping forecast before breakfast.',
    avatarUrl: 'https://images.example.com/avatars/marta-quinlan.jpg',
    website: 'https://martaquinlan.example.com',
    social: {
      x: 'https://x.com/martaquinlan',
      mastodon: 'https://mastodon.example.social/@martaq',
    },
  },
  {
    key: 'tobias-reyes',
    name: 'Tobias Reyes',
    email: 'tobias.reyes@harbourgazette.example',
    bio: 'Tobias Reyes is the Gazette\'s business and data editor, covering the port, property and the local economy. He trained as a statistician and spent five years building dashboards for a logistics firm before deciding he would rather ask questions of the numbers in public.',
    avatarUrl: 'https://images.example.com/avatars/tobias-reyes.jpg',
    website: 'https://tobiasreyes.example.org',
    social: {
      x: 'https://x.com/tobiasreyesdata',
      mastodon: 'https://fosstodon.example.org/@treyes',
      github: 'https://github.com/tobias-reyes-example',
    },
  },
  {
    key: 'nadia-okafor',
    name: 'Nadia Okafor',
    email: 'nadia.okafor@harbourgazette.example',
    bio: 'Nadia Okafor writes about arts, culture and science for the Gazette, from fringe theatre to the marine lab on Gull Point. She has a doctorate in oceanography and a long-running habit of reviewing plays she was meant to be too busy to see.',
    avatarUrl: 'https://images.example.com/avatars/nadia-okafor.jpg',
    website: null,
    social: {
      mastodon: 'https://scicomm.example.net/@nadiaokafor',
      instagram: 'https://instagram.com/nadia.okafor.writes',
    },
  },
];

// ---------------------------------------------------------------------------
// Categories
// ---------------------------------------------------------------------------

export const demoCategories: DemoCategory[] = [
  {
    key: 'news',
    name: 'News',
    description: 'Reporting from Port Ellery and the wider harbour district.',
    parent: null,
  },
  {
    key: 'politics',
    name: 'Politics',
    description: 'Town council, elections, budgets and the people who run them.',
    parent: 'news',
  },
  {
    key: 'business',
    name: 'Business',
    description: 'The port, the fleet, local traders and the money that moves through the harbour.',
    parent: null,
  },
  {
    key: 'culture',
    name: 'Culture',
    description: 'Theatre, music, festivals, food and the arts in and around Port Ellery.',
    parent: null,
  },
  {
    key: 'science',
    name: 'Science',
    description: 'Coastal science, climate, technology and the research happening on our doorstep.',
    parent: null,
  },
];

// ---------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------

export const demoTags: DemoTag[] = [
  { key: 'elections', name: 'Elections', description: 'Council elections, by-elections and referendums.' },
  { key: 'climate', name: 'Climate', description: 'Sea levels, storms, emissions and adaptation on the coast.' },
  { key: 'shipping', name: 'Shipping', description: 'Freight, ferries, berths and the working port.' },
  { key: 'housing', name: 'Housing', description: 'Rents, planning, new builds and who gets to live here.' },
  { key: 'ai', name: 'AI', description: 'Artificial intelligence and automation in local life and work.' },
  { key: 'theatre', name: 'Theatre', description: 'Reviews, previews and news from local stages.' },
  { key: 'transport', name: 'Transport', description: 'Buses, roads, cycling and the harbour ferry.' },
  { key: 'fisheries', name: 'Fisheries', description: 'The inshore fleet, quotas and the fish market.' },
  { key: 'council-budget', name: 'Council budget', description: 'How Port Ellery raises and spends its money.' },
  { key: 'data-journalism', name: 'Data journalism', description: 'Stories built from datasets, with our methods shown.' },
  { key: 'festivals', name: 'Festivals', description: 'Harbour Lights, the regatta and other events on the calendar.' },
  { key: 'education', name: 'Education', description: 'Schools, colleges and lifelong learning.' },
];

// ---------------------------------------------------------------------------
// Articles
// ---------------------------------------------------------------------------

export const demoArticles: DemoArticle[] = [
  {
    key: 'new-harbour-deal',
    title: 'Café owners, dockers & the "new harbour" deal',
    subtitle: 'A redevelopment pact promises something for everyone on the Eastquay waterfront. We read the small print to find out who gets what, and when.',
    body: `For three years the Eastquay waterfront has been a maze of temporary fencing, half-finished paving and arguments. Last Thursday the Harbour Board, the Dockworkers' Union and the Quayside Traders' Association finally signed what everyone in Port Ellery is already calling the *"new harbour" deal*. It is a forty-page document, and it tries to keep three very different groups happy at once.

## What the deal actually says

The agreement sets out a phased redevelopment of the quay between the fish market and the old customs house. Its core commitments are:

- **Working berths are protected.** Berths 4 to 7 remain reserved for commercial cargo and the inshore fleet until at least 2040.
- **A rent cap for existing traders.** Businesses already trading on the quay get a ten-year lease with rent rises capped at inflation.
- **A public promenade.** A 600-metre walkway, open around the clock, will run along the water's edge once the new sea wall is finished.
- **A local hiring pledge.** Contractors must fill at least 40% of construction jobs from within the district.

### The fine print on rents

The rent cap applies only to traders holding a lease on the day of signing. New arrivals, including the pop-up food stalls that appeared during construction, will pay market rates. Several stallholders told the Gazette they had not realised this until they read the appendix.

## Who wins, and who waits

For the dockers, the deal is a clear victory: the union had feared the berths would quietly be turned into a marina. For established cafés and chandlers, the rent cap offers the kind of certainty they have lacked since building work began.

> "We've been promised a promenade before. This time it's in writing, and I'll believe it when the first paving stone goes down."
> — Elif Demir, owner of the Salt & Crumb café

Residents of the Ropewalk terraces are less convinced. The deal says nothing about the extra traffic a busier quay will bring, and the promised shuttle bus is described only as *"under consideration"*.

## What happens next

The Harbour Board expects work to proceed in three stages:

1. Sea wall repairs, starting this winter.
2. Promenade and lighting, from next summer.
3. New trader units at the customs house end, subject to planning consent.

You can read the [full text of the agreement](https://harbourboard.example.org/agreements/new-harbour-deal.pdf) on the board's website. The council's planning committee will discuss the customs house units next month, and we will be there.`,
    author: 'tobias-reyes',
    categories: ['business', 'news'],
    tags: ['shipping', 'housing', 'transport'],
    status: 'published',
    publishedHoursAgo: 6,
    featured: true,
    featuredImage: {
      url: 'https://images.example.com/articles/new-harbour-deal/eastquay-dawn.jpg',
      alt: 'Cranes and café awnings along the Eastquay waterfront at dawn, with fishing boats moored in the foreground',
      caption: 'The Eastquay waterfront, where working berths and cafés will share the same stretch of quay. Photo: Gazette staff',
    },
    seo: {
      title: 'The "new harbour" deal explained: what it means for cafés and dockers',
      description: 'Port Ellery\'s Eastquay redevelopment deal protects working berths and caps rents for existing traders. Here is what is in the small print.',
      canonicalUrl: null,
    },
    commentStatus: 'open',
  },
  {
    key: 'council-budget-vote',
    title: 'Council passes budget after all-night session',
    subtitle: 'Councillors approved a 3.9% rise in the harbour levy at 4:12am, after a late amendment rescued the Northfield library.',
    body: `Port Ellery Town Council approved its budget for the coming year shortly after four o'clock on Wednesday morning, ending a meeting that began at six the previous evening. The final vote was 14 to 9, with two abstentions, and the result was only secured after a last-minute amendment that kept the Northfield branch library open.

## The headline numbers

The budget raises the harbour levy, the local property charge that funds most council services, by **3.9%**. For a typical two-bedroom home in the Old Town that works out at roughly 62 pence a week. Other key decisions:

- Road and pavement repairs receive an extra £400,000, most of it earmarked for the Ropewalk and Mill Lane junctions.
- The harbour ferry subsidy is frozen for a second year, which operators say will mean fewer winter sailings.
- Funding for emergency housing rises by 11%, reflecting a sharp increase in families placed in temporary accommodation.

## The library that nearly closed

The original proposal would have shut the Northfield library and replaced it with a mobile service visiting twice a week. More than 2,000 residents signed a petition against the plan, and around forty of them sat through the whole meeting in the public gallery.

At around 2am, Councillor Priya Anand proposed moving £180,000 from the council's consultancy budget to keep the branch open with reduced hours. After a recess that lasted almost an hour, enough members of the ruling group agreed to support it.

> "I did not expect to be standing up for a library at two in the morning, but here we are. If we can find money for consultants, we can find it for books."
> — Cllr Priya Anand

## What the opposition said

Opposition councillors argued the levy rise was *unavoidable but unfair*, pointing out that the council had drawn down reserves for three years running. Their alternative budget, which proposed a tourist tax on short-term lets, was defeated without a recorded vote.

The full budget papers and the amendment text are published on the [council's meetings portal](https://council.example.org/meetings/budget-full-council). The new levy rates take effect in April, and bills will be posted to households next month.`,
    author: 'marta-quinlan',
    categories: ['politics'],
    tags: ['council-budget', 'housing', 'transport'],
    status: 'published',
    publishedHoursAgo: 20,
    featured: false,
    featuredImage: null,
    seo: null,
    commentStatus: 'open',
  },
  {
    key: 'eastquay-by-election',
    title: 'Five candidates, one ward: meet the Eastquay by-election field',
    subtitle: 'The seat left vacant by Cllr Douglas Pryce\'s resignation could decide who controls the council.',
    body: `Voters in the Eastquay ward go to the polls in three weeks to replace Douglas Pryce, who stood down in September after eighteen years on the council. The contest matters well beyond the ward: the ruling group currently has a majority of one, and a loss here would leave the council in *no overall control* for the first time since 2011.

## Who is standing

Nominations closed on Friday. Five candidates have been confirmed by the returning officer:

| Candidate | Party | Day job |
|---|---|---|
| Ayesha Khan | Harbour Alliance | Ferry engineer |
| Colin Marsh | Civic Independents | Retired headteacher |
| Bea Lindqvist | Green Coast | Marine ecologist |
| Rory Callaghan | Ratepayers' Party | Chandlery owner |
| Sam Ordóñez | Independent | Student nurse |

## What voters told us

We spent two days knocking on doors around Eastquay and the Ropewalk terraces. Three issues came up again and again:

1. **Parking and traffic** around the redeveloped quay.
2. **Rents**, especially for young people who grew up in the ward and cannot afford to stay.
3. **Flooding**, after last winter's storm surge put water into forty homes on Chandler's Row.

One resident, who asked not to be named, summed up a common mood:

> "They all say they'll fix the flooding. I want to know which one will still be answering the phone when the water comes up."

## How the count works

The by-election uses first-past-the-post, so the candidate with the most votes wins outright. Turnout in Eastquay was just 31% at the last full election, and the returning officer is urging residents to check they are registered before the deadline. You can [check your registration online](https://elections.example.org/register/check) or call the council's electoral services team.

## Hustings

The Eastquay Residents' Association will host a hustings in the Seafarers' Hall next Tuesday at 7pm. All five candidates have agreed to attend. Marta Quinlan will be chairing, and questions can be submitted in advance to the association.`,
    author: 'marta-quinlan',
    categories: ['politics', 'news'],
    tags: ['elections', 'housing', 'climate'],
    status: 'published',
    publishedHoursAgo: 52,
    featured: true,
    featuredImage: null,
    seo: {
      title: 'Eastquay by-election: all five candidates',
      description: 'Who is standing in the Eastquay by-election, what voters care about, and why the result could change control of Port Ellery council.',
      canonicalUrl: 'https://www.harbourgazette.example/politics/eastquay-by-election-candidates',
    },
    commentStatus: 'open',
  },
  {
    key: 'tide-gauge-forty-years',
    title: 'What 40 years of tide-gauge readings say about flooding in Port Ellery',
    subtitle: 'We analysed more than a million measurements from the harbour gauge. The highest tides are rising faster than the average.',
    body: `Since 1984 a tide gauge bolted to the north pier has recorded the height of the water in Port Ellery harbour every fifteen minutes. The Gazette obtained the full record from the Harbour Board and analysed it to answer a simple question: *are the high tides that flood Chandler's Row getting higher?* The short answer is **yes**, and faster than the headline sea-level figures suggest.

## The data

The raw record holds just over 1.4 million readings. Cleaning it left 1.37 million, after three steps:

- removing periods when the gauge was being repaired, most notably eight months in 1997;
- correcting for a change of reference datum in 2005, which the Harbour Board documented in its maintenance log;
- dropping duplicate readings created when the logger was replaced in 2016.

Rather than looking at the average water level, we focused on the *extreme* tides, the top 1% of readings in each year, because those are the ones that overtop the sea wall.

| Decade | Mean level (m) | Top 1% threshold (m) | Days above 3.1 m |
|---|---|---|---|
| 1985–1994 | 0.12 | 2.71 | 3 |
| 1995–2004 | 0.15 | 2.78 | 5 |
| 2005–2014 | 0.19 | 2.90 | 11 |
| 2015–2024 | 0.24 | 3.02 | 26 |

## How we did it

The analysis was done in Python. The core calculation is only a few lines:

\`\`\`python
import pandas as pd

readings = pd.read_csv("north_pier_gauge_clean.csv", parse_dates=["timestamp"])
readings["year"] = readings["timestamp"].dt.year

yearly = readings.groupby("year")["level_m"].agg(
    mean="mean",
    p99=lambda s: s.quantile(0.99),
)
trend = yearly["p99"].diff().rolling(10).mean()
\`\`\`

Our cleaned dataset and notebook are available in the [Gazette data repository](https://data.harbourgazette.example/tide-gauge) so that anyone can check our working.

## What the experts say

We shared our results with Dr Helen Mbeki, a coastal scientist at the Gull Point marine laboratory, who was not involved in the analysis.

> "The pattern is consistent with what we see elsewhere on this coast. Mean sea level is rising steadily, but the extremes are being pushed up further by stronger storm surges. For a town like Port Ellery, it is the extremes that matter."

She cautioned that a single gauge can be affected by local factors, including dredging in the harbour mouth in the early 2000s.

## What it means for the sea wall

The current sea wall along Chandler's Row was designed in 1979 for a maximum water level of 3.3 metres. Based on the trend above, that level could be reached several times a year within two decades. The council says a review of flood defences is **under way** and expects to publish options in the spring.`,
    author: 'tobias-reyes',
    categories: ['science', 'news'],
    tags: ['climate', 'data-journalism', 'shipping'],
    status: 'published',
    publishedHoursAgo: 96,
    featured: true,
    featuredImage: {
      url: 'https://images.example.com/articles/tide-gauge-forty-years/north-pier-gauge.jpg',
      alt: 'The tide gauge housing on Port Ellery north pier, with waves breaking against the pier wall during a high tide',
      caption: null,
    },
    seo: {
      title: null,
      description: 'A Gazette analysis of 40 years of harbour tide-gauge data shows extreme high tides in Port Ellery rising faster than average sea level.',
      canonicalUrl: null,
    },
    commentStatus: 'open',
  },
  {
    key: 'keepers-daughter-review',
    title: 'Review: "The Keeper\'s Daughter" lights up the Lamp Room',
    subtitle: 'Lantern Theatre Company\'s new two-hander is small, salty and quietly devastating.',
    body: `There are perhaps forty seats in the Lamp Room, the tiny theatre above the old lighthouse store on Gull Point, and on Saturday night every one of them was taken. *The Keeper's Daughter*, the new play from local company Lantern Theatre, deserves to keep filling them for the rest of its run.

## The story

The setting is a lighthouse in 1962, the year before the light is automated. Agnes, the keeper's daughter, has stayed on to run the lamp after her father's death; Walter, a young engineer from the mainland, has arrived to install the machine that will replace her. Over one long winter night they argue, bargain and slowly come to understand what each of them stands to lose.

Playwright Fionnuala Byrne, who grew up in the keeper's cottages on Gull Point, resists every obvious move. There is no romance, no villain and no storm to force the plot along. Instead the drama comes from small things:

- the ritual of trimming a wick that will soon not need trimming,
- a logbook that Agnes refuses to hand over,
- and a radio that keeps picking up a dance band from across the water.

## The performances

**Maeve Donnelly** is superb as Agnes, all clipped competence on the surface and grief barely contained underneath. Her silence when Walter first switches on the new lamp is the most powerful moment of the evening. **Kwame Asante** gives Walter an awkward decency that stops him ever becoming a mere symbol of progress.

> "You'll have the light, Mr Hale. You won't have the keeping of it."

That line, delivered almost in a whisper, drew an audible reaction from the audience.

## Design and staging

The designer has turned the Lamp Room's low ceiling into an asset: a single rotating lamp sweeps across the audience every few seconds, so that we too seem to be inside the lantern. The sound design, mostly wind and the creak of the iron stair, is used sparingly and all the better for it.

If there is a weakness, it is a final scene that explains a little too much. But that is a small complaint about a production this assured.

## Verdict

*Four stars.* Tight, moving and rooted in the history of this coast. *The Keeper's Daughter* runs until the end of the month; tickets are available from the [Lantern Theatre box office](https://lanterntheatre.example.org/whats-on/keepers-daughter).`,
    author: 'nadia-okafor',
    categories: ['culture'],
    tags: ['theatre', 'festivals'],
    status: 'published',
    publishedHoursAgo: 130,
    featured: false,
    featuredImage: {
      url: 'https://images.example.com/articles/keepers-daughter-review/lamp-room-stage.jpg',
      alt: 'Two actors face each other beneath a glowing lighthouse lamp on a small, dimly lit stage',
      caption: 'Maeve Donnelly and Kwame Asante in The Keeper\'s Daughter. Photo: Lantern Theatre Company',
    },
    seo: null,
    commentStatus: 'closed',
  },
  {
    key: 'schools-ai-marking-trial',
    title: 'Schools trial AI marking assistants, with caveats',
    subtitle: 'Three Port Ellery secondary schools are testing software that drafts feedback on essays. Teachers are cautiously positive; pupils are less sure.',
    body: `Three secondary schools in Port Ellery have spent the autumn term testing an artificial intelligence tool that reads pupils' written work and drafts feedback for teachers to check. The trial, funded by the regional education authority, is one of the first of its kind on this coast, and the early results are more nuanced than either its supporters or its critics predicted.

## How the tool works

Teachers upload a batch of anonymised essays along with the marking criteria. The software then suggests a mark band and writes a short paragraph of feedback for each piece. Crucially, **nothing goes back to pupils until a teacher has reviewed and edited it**.

The trial has been running in:

- Northfield Academy (English and history, Years 9 and 10)
- St Brendan's High School (geography, Year 11)
- Port Ellery College (English, sixth form)

## What teachers say

Most of the twelve teachers we spoke to said the tool saved them time on routine feedback, typically between one and two hours a week. Several said it was better at spotting structural problems than they expected.

> "It's good at telling a pupil their argument loses its way in paragraph three. It's much worse at noticing that the pupil has had a genuinely original idea."
> — English teacher, Northfield Academy

Others were more sceptical. Two teachers said they had stopped using the suggested marks altogether because they were *consistently generous* to long, fluent essays that said very little.

## What pupils say

Pupils were told about the trial at the start of term. In a survey carried out by the schools, 58% said they did not mind AI being used to draft feedback, but 71% said they would want to know when it had been. A Year 11 student at St Brendan's put it bluntly: she wants her teacher's opinion, not *"a robot's opinion that my teacher agreed with."*

## Questions still to answer

The education authority will publish a full evaluation in the summer. Parents and governors have raised several issues they want it to cover:

1. Where the pupils' work is stored and for how long.
2. Whether the tool treats pupils with additional needs fairly.
3. What happens to the time teachers save.

The authority has published a [summary of the trial and its data protection assessment](https://education.example.org/trials/ai-feedback). Parents who want their child's work excluded from the trial can ask the school to opt them out.`,
    author: 'nadia-okafor',
    categories: ['science', 'news'],
    tags: ['ai', 'education'],
    status: 'published',
    publishedHoursAgo: 170,
    featured: false,
    featuredImage: null,
    seo: {
      title: 'AI marking trial in Port Ellery schools: what teachers and pupils think',
      description: null,
      canonicalUrl: null,
    },
    commentStatus: 'open',
  },
  {
    key: 'inshore-fleet-quotas',
    title: 'Small boats, smaller quotas: the inshore fleet weighs its options',
    subtitle: null,
    body: `At five in the morning the fish market on Eastquay is the busiest place in Port Ellery. But the skippers unloading there this month are worried. New quota allocations for the inshore fleet, announced last week, cut the catch allowed for cod and pollack by almost a fifth, and many owners of small boats say the numbers no longer add up.

## What has changed

The new allocations apply to vessels under ten metres, which make up most of the harbour's fleet of 34 boats. The main changes are:

- **Cod:** down 18% on last year.
- **Pollack:** down 21%, after scientific advice warned of a declining stock.
- **Mackerel:** up 6%, although prices at market have fallen.
- **Crab and lobster:** no quota, but new limits on the number of pots per boat.

Fisheries officials say the cuts are needed to let stocks recover, and point to evidence that warming waters are pushing some species further north.

## The view from the quay

For skippers like Iain Mowbray, who has fished out of Port Ellery for 31 years, the problem is not the principle of conservation but the speed of the change.

> "Nobody wants to catch the last cod. But you can't cut a fifth off a man's income in one go and expect him to keep a boat, a crew and a mortgage."

Mowbray says he will switch more of his effort to crab and lobster, but the new pot limits mean that option is narrowing too. Two younger skippers told the Gazette they were considering selling their licences.

## Options on the table

The Port Ellery Fishermen's Association is asking for a meeting with fisheries officials. Its chair, Ros Tennant, says members are exploring several ideas:

1. **Pooling quota** across the association so that individual boats can fish more flexibly.
2. **Selling direct** to local restaurants and the new Eastquay cafés, which pay more than the market.
3. **Diversifying** into wildlife tours and sea-angling charters in the summer months.

Some of these ideas have worked elsewhere. A similar scheme in a fishing port further up the coast has been running for six years, and the association has invited its organisers to speak at its next meeting.

## Why it matters beyond the fleet

The fishing industry employs fewer people in Port Ellery than it did a generation ago, but it still supports the fish market, two processors and a boatyard. The council's own [economic strategy](https://council.example.org/strategy/economy) describes the fleet as *"central to the town's identity"*. Whether that identity survives the next few seasons may depend on how quickly the fleet can adapt.`,
    author: 'marta-quinlan',
    categories: ['business'],
    tags: ['fisheries', 'climate', 'shipping'],
    status: 'published',
    publishedHoursAgo: 236,
    featured: false,
    featuredImage: null,
    seo: null,
    commentStatus: 'open',
  },
  {
    key: 'ropeworks-housing-coop',
    title: 'Housing co-op bids to turn the old ropeworks into 48 homes',
    subtitle: 'DRAFT: awaiting comment from the council planning office and the site owner.',
    body: `A group of Port Ellery residents wants to turn the derelict ropeworks on Mill Lane into 48 permanently affordable homes run as a housing co-operative. The building, a Grade II listed rope walk more than 200 metres long, has stood empty for almost twenty years. The co-op says it has the architects, the finance and the members; what it does not yet have is the site.

## The proposal

The Ropewalk Housing Co-operative was formed last year by a group of mostly younger residents who say they have been priced out of the town where they grew up. Their plan would:

- convert the main rope walk into **32 flats**, keeping the long open roof structure visible;
- build **16 small houses** on the former yard;
- include a shared workshop, a laundry and a community room;
- set rents at no more than a third of average local earnings, *permanently*.

Members would collectively own the buildings and manage them through an elected committee.

## The money

The co-op estimates the project will cost around £9.5 million. It says it has provisional offers covering most of that from a community bank and a national housing fund, with the remainder to come from a share offer to local residents.

> "We are not asking the council for money. We are asking for a chance to buy a building that nobody else has wanted for two decades."
> — Hannah Corrigan, co-op secretary

## The obstacles

The site is owned by a holding company that bought it in 2007 and has twice applied for permission to build holiday apartments, both times unsuccessfully. The co-op has asked the council to consider a compulsory purchase if the owner will not sell.

[TODO: owner's response, planning office comment, check listed building consent timeline with conservation officer.]

Further details are on the [co-op's website](https://ropewalkcoop.example.org).`,
    author: 'tobias-reyes',
    categories: ['business', 'news'],
    tags: ['housing', 'council-budget'],
    status: 'draft',
    publishedHoursAgo: null,
    featured: false,
    featuredImage: null,
    seo: null,
    commentStatus: 'open',
  },
  {
    key: 'harbour-lights-programme',
    title: 'Harbour Lights Festival: the full programme',
    subtitle: 'Lantern parades, rooftop theatre and a silent disco on the ferry. Here is everything happening over the festival weekend.',
    body: `The Harbour Lights Festival returns to Port Ellery next weekend, and this year's programme is the biggest yet. Over three evenings the harbour will be lit by more than 2,000 lanterns, and the organisers expect 15,000 visitors. Here is our guide to what is on, where, and what you need to know before you go.

## Friday: the lantern parade

The festival opens with the traditional lantern parade, which leaves the Old Town square at 6.30pm and winds down to the north pier.

- **Lantern-making workshops** run in the Seafarers' Hall from 10am to 4pm. They are free, but places are limited.
- The parade is led this year by the Northfield Academy samba band.
- At 8pm the lanterns are launched from the pier. Remember to bring a coat, as the pier gets *very* cold.

## Saturday: stages and streets

Saturday is the busiest day, with events across the town.

### Theatre and performance

- Lantern Theatre Company performs a free 20-minute extract from *The Keeper's Daughter* on the roof of the customs house, at 2pm and 4pm.
- Street performers and stilt walkers take over Eastquay all afternoon.
- The Gull Point Players present a family show, *The Crab Who Stole the Moon*, in the Lamp Room at 11am.

### Music

The main stage on the fish market car park hosts local bands from 5pm until 10.30pm. The headline act will be announced on the festival's social media channels on Thursday.

## Sunday: on the water

The festival closes on the water. The harbour ferry runs a **silent disco** crossing at 7pm and 9pm; tickets cost £8 and sell out quickly. The weekend ends with illuminated boats sailing past the north pier at 9.30pm.

> "Harbour Lights started as twenty lanterns and a brass band. It's grown a lot, but it's still about the town coming down to the water together."
> — Festival director Omar Haddad

## Getting there

The organisers are urging visitors not to drive. Key information:

1. Park-and-ride buses run from the Northfield retail park every ten minutes.
2. Eastquay and Chandler's Row are closed to traffic from 4pm each day.
3. The harbour ferry runs a free extra service between the two piers.

The complete timetable, including accessible viewing areas, is available on the [official festival website](https://harbourlights.example.org/programme).`,
    author: 'nadia-okafor',
    categories: ['culture'],
    tags: ['festivals', 'theatre', 'transport'],
    status: 'scheduled',
    publishedHoursAgo: -48,
    featured: false,
    featuredImage: {
      url: 'https://images.example.com/articles/harbour-lights-programme/lanterns-north-pier.jpg',
      alt: 'Hundreds of paper lanterns glowing along the north pier at dusk, with crowds watching from the harbour wall',
      caption: 'Last year\'s lantern launch from the north pier. Photo: Harbour Lights Festival',
    },
    seo: {
      title: 'Harbour Lights Festival programme: times, venues and travel',
      description: 'Everything happening at the Harbour Lights Festival in Port Ellery, from the lantern parade to the silent disco on the ferry.',
      canonicalUrl: null,
    },
    commentStatus: 'open',
  },
];

// ---------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------

export const demoComments: DemoComment[] = [
  {
    key: 'c-harbour-1',
    article: 'new-harbour-deal',
    parent: null,
    authorName: 'Ruth Abernethy',
    authorEmail: 'ruth.abernethy@example.com',
    authorUrl: null,
    body: 'Good to see the berths protected. My grandfather worked berth 6 for forty years and I was sure it would end up full of yachts.',
    status: 'approved',
    minutesAfterPublish: 42,
  },
  {
    key: 'c-harbour-2',
    article: 'new-harbour-deal',
    parent: 'c-harbour-1',
    authorName: 'Dev Patel',
    authorEmail: 'dev.patel@example.net',
    authorUrl: 'https://devpatel.example.net',
    body: 'Protected until 2040 though. That is not as long as it sounds when the Harbour Board plans in twenty-year cycles.',
    status: 'approved',
    minutesAfterPublish: 95,
  },
  {
    key: 'c-harbour-3',
    article: 'new-harbour-deal',
    parent: 'c-harbour-2',
    authorName: 'Ruth Abernethy',
    authorEmail: 'ruth.abernethy@example.com',
    authorUrl: null,
    body: 'Fair point. Still better than nothing, and a lot better than the marina plan from a few years back.',
    status: 'approved',
    minutesAfterPublish: 131,
  },
  {
    key: 'c-harbour-4',
    article: 'new-harbour-deal',
    parent: null,
    authorName: 'Gemma Holt',
    authorEmail: 'gemma.holt@example.net',
    authorUrl: null,
    body: 'I run one of the pop-up stalls and nobody told us about the rent cap only covering existing leases. Can the Gazette find out whether that is negotiable?',
    status: 'pending',
    minutesAfterPublish: 290,
  },
  {
    key: 'c-budget-1',
    article: 'council-budget-vote',
    parent: null,
    authorName: 'Alan Fitzgerald',
    authorEmail: 'alan.fitzgerald@example.com',
    authorUrl: null,
    body: 'Well done to everyone who stayed for the library vote.\nThe amendment wording is on the council site if anyone wants to read it: https://council.example.org/meetings/budget-full-council/amendment-3',
    status: 'approved',
    minutesAfterPublish: 185,
  },
  {
    key: 'c-byelection-1',
    article: 'eastquay-by-election',
    parent: null,
    authorName: 'Lena Sørensen',
    authorEmail: 'lena.sorensen@example.net',
    authorUrl: null,
    body: 'Thanks for the candidate table. Will the hustings be streamed for those of us who work evenings?',
    status: 'approved',
    minutesAfterPublish: 240,
  },
  {
    key: 'c-tide-1',
    article: 'tide-gauge-forty-years',
    parent: null,
    authorName: 'Martin O\'Rourke',
    authorEmail: 'm.orourke@example.com',
    authorUrl: 'https://coastalnotes.example.com',
    body: 'Really useful piece, and thank you for publishing the notebook. Did you check whether the 2005 datum correction changes the trend much?',
    status: 'approved',
    minutesAfterPublish: 610,
  },
  {
    key: 'c-tide-2',
    article: 'tide-gauge-forty-years',
    parent: 'c-tide-1',
    authorName: 'Priya Natarajan',
    authorEmail: 'priya.n@example.net',
    authorUrl: null,
    body: 'Not the author, but I reran the notebook without the correction and the top 1% trend is still clearly upward, just slightly smaller.',
    status: 'approved',
    minutesAfterPublish: 745,
  },
  {
    key: 'c-fleet-1',
    article: 'inshore-fleet-quotas',
    parent: null,
    authorName: 'Tom Birkett',
    authorEmail: 'tom.birkett@example.com',
    authorUrl: null,
    body: 'Selling direct to the cafés makes a lot of sense. I would happily pay a bit more to know the fish came off a Port Ellery boat.',
    status: 'approved',
    minutesAfterPublish: 1320,
  },
];
