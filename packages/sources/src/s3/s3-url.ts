// The ways users name an S3 object (s3:// and the AWS virtual-hosted and path-style https URLs),
// turned into bucket, key and region once, when the configuration is parsed.
import { isIP } from 'node:net'
import { AgentError, ErrorCode, decodePercent } from '@clef-sh/errors'

/** An S3 object named by a URL. `region` is set when the host names one. */
export interface S3Location {
  bucket: string
  key: string
  region?: string
}

// Virtual-hosted `bucket.s3[.-]region.amazonaws.com` or path-style `s3[.-]region.amazonaws.com`.
const AWS_HOST =
  /^(?:(?<bucket>[a-z0-9][a-z0-9.-]*)\.)?s3(?:[.-](?<region>[a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

const invalid = (why: string): AgentError =>
  new AgentError(ErrorCode.ConfigInvalid, `S3 source: ${why}`, {
    hint: 'use s3://bucket/key or https://bucket.s3.<region>.amazonaws.com/key',
  })

const decodeKey = (raw: string): string => {
  const key = decodePercent(raw)
  if (key === undefined) throw invalid('the key is not valid percent-encoding')
  return key
}

const locate = (bucket: string | undefined, rawKey: string, region?: string): S3Location => {
  if (bucket === undefined || !BUCKET.test(bucket)) throw invalid('not a valid bucket name')
  const key = decodeKey(rawKey)
  if (key === '' || key.endsWith('/')) throw invalid('the URL names a bucket or a prefix, not an object')
  return region === undefined ? { bucket, key } : { bucket, key, region }
}

const fromAwsHttps = (u: URL): S3Location => {
  const m = AWS_HOST.exec(u.hostname)
  if (m === null || u.port !== '') throw invalid('not an S3 URL (expected an amazonaws.com S3 host)')
  const { bucket, region } = m.groups ?? {}
  if (region !== undefined && !REGION.test(region)) throw invalid('the host names no known S3 region form')
  if (bucket !== undefined) return locate(bucket, u.pathname.slice(1), region)
  const slash = u.pathname.indexOf('/', 1)
  if (slash < 0) throw invalid('the URL names a bucket or a prefix, not an object')
  return locate(u.pathname.slice(1, slash), u.pathname.slice(slash + 1), region)
}

/**
 * Parses `s3://bucket/key`, `https://bucket.s3[.region].amazonaws.com/key` (also the legacy
 * `s3-region` form) and path-style `https://s3[.region].amazonaws.com/bucket/key`. The key is
 * percent-decoded. Throws AgentError `config_invalid` for anything else, including URLs with
 * credentials or a query string; the message never echoes the URL.
 */
export const parseS3Url = (url: string): S3Location => {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw invalid('not a valid URL')
  }
  if (u.username !== '' || u.password !== '') throw invalid('the URL must not carry credentials')
  // A query string is a presigned URL (use an http source) or a version id we would ignore.
  if (u.search !== '' || u.hash !== '') throw invalid('the URL must not carry a query string or fragment')
  if (u.protocol === 's3:') return locate(u.hostname, u.pathname.slice(1))
  if (u.protocol === 'https:') return fromAwsHttps(u)
  throw invalid(`unsupported scheme "${u.protocol}"`)
}

/**
 * True when an S3 endpoint URL (e.g. `AWS_ENDPOINT_URL_S3`) needs path-style addressing: its
 * host is an IP address or localhost, where `bucket.<host>` cannot resolve. False otherwise,
 * including for text that is not a URL.
 */
export const impliesPathStyle = (endpoint: string): boolean => {
  let host: string
  try {
    host = new URL(endpoint).hostname
  } catch {
    return false
  }
  const bare = host.startsWith('[') ? host.slice(1, -1) : host
  return isIP(bare) !== 0 || bare === 'localhost' || bare.endsWith('.localhost')
}
