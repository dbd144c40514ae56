/**
 * Where artifacts come from: file, HTTP(S), S3, GitHub, GitLab and Bitbucket, each revalidating
 * with an ETag and failing with a `source_*` code.
 *
 * @packageDocumentation
 * @module @clef-sh/sources
 */
export type { ArtifactSource, FetchRequest, FetchResult, SourceKind } from './source.ts'
export { SourceError } from './errors.ts'
export type { SourceErrorOptions } from './errors.ts'
export { createSource } from './create-source.ts'
export type { SourceConfig, SourceDefaults } from './create-source.ts'
export { FileSource } from './file/file-source.ts'
export type { FileSourceOptions } from './file/file-source.ts'
export { HttpSource } from './http/http-source.ts'
export type { HttpSourceOptions } from './http/http-source.ts'
export { S3Source } from './s3/s3-source.ts'
export type { S3SourceOptions } from './s3/s3-source.ts'
export { parseS3Url, impliesPathStyle } from './s3/s3-url.ts'
export type { S3Location } from './s3/s3-url.ts'
export { GitHubSource } from './github/github-source.ts'
export type { GitHubSourceOptions } from './github/github-source.ts'
export { GitLabSource } from './gitlab/gitlab-source.ts'
export type { GitLabSourceOptions } from './gitlab/gitlab-source.ts'
export { BitbucketSource } from './bitbucket/bitbucket-source.ts'
export type { BitbucketSourceOptions } from './bitbucket/bitbucket-source.ts'
