/**
 * The one error catalogue. Every error the service raises on purpose has a stable code,
 * a status and a problem `type`; the error handler turns them into RFC 9457 documents.
 */
import createError from '@fastify/error'

export interface ProblemField { path: string, message: string }

export const NotFound = createError('BS_NOT_FOUND', '%s not found', 404)
export const BadRequest = createError('BS_BAD_REQUEST', '%s', 400)
export const Conflict = createError('BS_CONFLICT', '%s', 409)
export const Unauthorized = createError('BS_UNAUTHORIZED', '%s', 401)
export const Forbidden = createError('BS_FORBIDDEN', '%s', 403)
export const PreconditionFailed = createError('BS_PRECONDITION_FAILED', 'The resource has changed since you read it (If-Match does not match its ETag)', 412)
export const CurrentMatches = createError('BS_PRECONDITION_FAILED', 'If-None-Match matches the resource as it is (`*` matches any), so nothing was changed', 412)
export const Gone = createError('BS_GONE', '%s', 410)
export const UnsupportedMediaType = createError('BS_UNSUPPORTED_MEDIA_TYPE', '%s', 415)
export const NotImplemented = createError('BS_NOT_IMPLEMENTED', '%s', 501)
export const TooManyRequests = createError('BS_TOO_MANY_REQUESTS', 'Too many requests from your address: retry in %s', 429)

/** A 400 whose `errors` name the offending fields, like a schema validation failure. */
export class FieldError extends BadRequest {
  errors: ProblemField[]
  constructor (path: string, message: string) {
    super(message)
    this.errors = [{ path, message }]
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable'
}

const TYPES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  410: 'gone',
  412: 'precondition-failed',
  413: 'content-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  408: 'request-timeout',
  431: 'header-fields-too-large',
  414: 'uri-too-long',
  417: 'expectation-failed',
  405: 'method-not-allowed',
  500: 'internal-error',
  501: 'not-implemented',
  503: 'unavailable'
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  errors?: ProblemField[]
}

export function problem (status: number, detail: string, errors?: ProblemField[], kind?: string): Problem {
  const body: Problem = {
    type: `urn:broadsheet:problem:${kind ?? TYPES[status] ?? 'error'}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail
  }
  if (errors) body.errors = errors
  return body
}

/** A problem document written straight to the socket or response Node hands us. */
export function problemBytes (status: number, detail: string) {
  const body = JSON.stringify(problem(status, detail))
  return {
    body,
    headers: {
      'content-type': 'application/problem+json',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      date: new Date().toUTCString()
    }
  }
}
