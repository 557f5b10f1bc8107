import { ValidationError } from '@sd/core'

/** The UnixFS import profiles {@link packFile} follows; each gives the CID kubo gives under it. */
export type Profile = 'unixfs-v1-2025' | 'kubo-cidv1' | 'kubo-v0'

/** What a profile fixes about the DAG of a file. */
export interface ProfileSpec {
  readonly name: Profile
  /** CID version of dag-pb nodes (leaves are CIDv1 when raw). */
  readonly cidVersion: 0 | 1
  /** Leaves as raw blocks (codec 0x55) or as dag-pb UnixFS `file` nodes. */
  readonly rawLeaves: boolean
  /** Bytes per leaf. */
  readonly chunkBytes: number
  /** Links per dag-pb node (the width of the balanced tree). */
  readonly maxLinks: number
}

/** Every profile by name. */
export const PROFILES: Readonly<Record<Profile, ProfileSpec>> = Object.freeze({
  // IPIP-499's `unixfs-v1-2025`: CIDv1, raw leaves, 1 MiB chunks, 1024 links
  'unixfs-v1-2025': {
    name: 'unixfs-v1-2025',
    cidVersion: 1,
    rawLeaves: true,
    chunkBytes: 1_048_576,
    maxLinks: 1024,
  },
  // `ipfs add --cid-version=1`
  'kubo-cidv1': { name: 'kubo-cidv1', cidVersion: 1, rawLeaves: true, chunkBytes: 262_144, maxLinks: 174 },
  // plain `ipfs add`
  'kubo-v0': { name: 'kubo-v0', cidVersion: 0, rawLeaves: false, chunkBytes: 262_144, maxLinks: 174 },
})

/** The spec of `name`; an unknown name is an `INVALID_OPTION` error listing the profiles. */
export function profileSpec(name: string | undefined): ProfileSpec {
  const spec = PROFILES[(name ?? 'unixfs-v1-2025') as Profile]
  if (!spec || !Object.hasOwn(PROFILES, name ?? 'unixfs-v1-2025')) {
    throw new ValidationError(
      `Unknown profile ${JSON.stringify(name)}: expected one of ${Object.keys(PROFILES).join(', ')}`,
      { code: 'INVALID_OPTION' },
    )
  }
  return spec
}
