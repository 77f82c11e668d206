/** Who is asking: resolved once per request by the auth plugin from the bearer token. */
export type Role = 'admin' | 'editor' | 'author'

export interface Caller {
  role: Role | 'anonymous'
  keyId: number | null
  /** Set for author keys: the one author whose articles this key may write and read as drafts. */
  authorId: number | null
}

export const ANONYMOUS: Caller = Object.freeze({ role: 'anonymous', keyId: null, authorId: null })

/** Editors and admins see everything: drafts, emails, moderation queues. */
export function isStaff (caller: Caller): boolean {
  return caller.role === 'editor' || caller.role === 'admin'
}
