/**
 * Test helpers for sd's packages (not published): an S3-compatible server that checks
 * signatures, scriptable HTTP servers, and a fast comparison of two reads' rows. Reached as
 * `@sd/core/testing` through the source condition only.
 */
export {
  answerRange,
  closedPort,
  requestedRange,
  type SeenRequest,
  serve,
  type TestServer,
  testBytes,
} from './http-server.js'
export { putFolder } from './s3-folder.js'
export {
  type S3SeenRequest,
  type S3Server,
  type S3ServerOptions,
  type S3TestOptions,
  startS3Server,
  withS3Environment,
} from './s3-server.js'
export { rowsDifference } from './same-rows.js'
