import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { S3Server } from './s3-server.js'

/**
 * Uploads every file below the local `folder` (hidden ones and subfolders included) to
 * `s3://bucket/prefix...` on `server`, keys named by their path below the folder, and returns
 * the `s3://bucket/prefix` URL, so a test can read the prefix and the folder and compare.
 */
export async function putFolder(
  server: S3Server,
  folder: string,
  bucket: string,
  prefix: string,
): Promise<string> {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
  if (files.length === 0) throw new Error(`No files below ${folder} to upload`)
  for (const file of files.sort())
    await server.put(bucket, base + relative(folder, file).split(sep).join('/'), await readFile(file))
  return `s3://${bucket}/${base}`
}
