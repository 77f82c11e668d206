/**
 * Checks real responses against the response schemas of the served OpenAPI document,
 * so that a test fails when a route answers something its spec does not promise.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

type Header = { required?: boolean }
type Spec = { paths: Record<string, Record<string, { operationId: string, responses: Record<string, { headers?: Record<string, Header>, content?: Record<string, { schema: unknown }> }> }>> }

// Headers of the contract a client generator reads: sent only where the spec declares them.
const CONTRACT_HEADERS = ['etag', 'location', 'link', 'x-total-count', 'retry-after']

export class SpecChecker {
  private ajv = new Ajv2020({ strict: false, allErrors: true })
  private spec: Spec
  private routes: { method: string, path: string, pattern: RegExp }[]

  constructor (spec: unknown) {
    ;(addFormats as unknown as (a: Ajv2020) => void)(this.ajv)
    this.spec = spec as Spec
    this.ajv.addSchema(spec as object, 'spec')
    this.routes = Object.entries(this.spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({
      method: method.toUpperCase(),
      path,
      pattern: new RegExp('^' + path.replace(/\{[^}]+\}/g, '[^/]+') + '$')
    })))
  }

  static async of (app: FastifyInstance): Promise<SpecChecker> {
    const res = await app.inject('/openapi.json')
    return new SpecChecker(JSON.parse(res.body))
  }

  /** Problems with this response, or [] when it matches the operation's documented response. */
  check (method: string, url: string, res: LightMyRequestResponse): string[] {
    const pathname = url.split('?')[0].replace(/\/$/, '') || '/'
    const route = this.routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(pathname))
    if (!route) return res.statusCode === 404 || res.statusCode === 405 ? [] : [`no operation for ${method} ${pathname}`]
    const responses = this.spec.paths[route.path][method.toLowerCase()].responses
    const documented = responses[String(res.statusCode)]
    if (!documented) return [`${method} ${route.path} answered ${res.statusCode}, which the spec does not list`]
    const declared = documented.headers ?? {}
    const headerProblems = [
      ...Object.entries(declared).filter(([name, h]) => h.required && res.headers[name] === undefined).map(([name]) => `${method} ${url} ${res.statusCode}: no ${name} header, which the spec requires`),
      ...CONTRACT_HEADERS.filter((name) => res.headers[name] !== undefined && !declared[name]).map((name) => `${method} ${url} ${res.statusCode}: sends ${name}, which the spec does not declare`)
    ]
    if (headerProblems.length) return headerProblems
    if (res.statusCode === 204 || res.statusCode === 304 || !documented.content) return []
    const type = String(res.headers['content-type'] ?? '').split(';')[0]
    const media = documented.content[type]
    if (!media) return [`${method} ${route.path} ${res.statusCode} answered ${type}, spec has ${Object.keys(documented.content).join(', ')}`]
    const pointer = ['paths', route.path, method.toLowerCase(), 'responses', String(res.statusCode), 'content', type, 'schema']
      .map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')
    const validate = this.ajv.getSchema(`spec#/${pointer}`)
    if (!validate) return [`cannot compile schema at ${pointer}`]
    return validate(JSON.parse(res.body)) ? [] : (validate.errors ?? []).map((e) => `${method} ${url} ${res.statusCode}: ${e.instancePath} ${e.message}`)
  }
}
