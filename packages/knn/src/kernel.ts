import { KERNEL_WASM_BASE64 } from './kernel-wasm.js'

/** The part of the WebAssembly JS API used here (TypeScript's ES libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmModule {
  readonly kind?: 'module'
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule
  Instance: new (module: WasmModule, imports: object) => { exports: unknown }
}

/** The exports of the compiled kernel (assembly/kernel.ts). Pointers are byte offsets in `memory`. */
interface KernelExports {
  memory: WasmMemory
  dotTile(queries: number, nq: number, rows: number, n: number, dim: number, out: number): void
  l2Tile(queries: number, nq: number, rows: number, n: number, dim: number, out: number): void
  inverseNorms(rows: number, n: number, dim: number, out: number): void
  squaredNorms(rows: number, n: number, dim: number, out: number): void
  resetHeaps(heapScores: number, heapIds: number, count: number): void
  firstNonFinite(values: number, count: number): number
  selectTopK(
    scores: number,
    nq: number,
    n: number,
    k: number,
    heapScores: number,
    heapIds: number,
    mode: number,
    norms: number,
    rowBase: number,
    ids: number,
    mask: number,
  ): void
}

let compiled: WasmModule | undefined

/** The kernel module, compiled once per thread. */
function kernelModule(): WasmModule {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64'))
  return compiled
}

const PAGE = 65536

/**
 * One instance of the WebAssembly kernel with its own linear memory. Callers lay out their buffers
 * with {@link Kernel.reserve} once per scan, then fill the typed views and call the exports.
 */
export class Kernel {
  readonly exports: KernelExports
  private f32: Float32Array
  private u8: Uint8Array
  private i32: Int32Array

  constructor() {
    const instance = new WebAssembly.Instance(kernelModule(), {})
    this.exports = instance.exports as unknown as KernelExports
    this.f32 = new Float32Array(this.exports.memory.buffer)
    this.u8 = new Uint8Array(this.exports.memory.buffer)
    this.i32 = new Int32Array(this.exports.memory.buffer)
  }

  /**
   * Lays out regions of the given byte sizes (each 16-byte aligned) from offset 0, growing the memory
   * when needed, and returns their offsets. Views taken earlier are invalid after a call.
   */
  reserve(sizes: readonly number[]): number[] {
    const offsets: number[] = []
    let at = 0
    for (const size of sizes) {
      offsets.push(at)
      at += Math.ceil(size / 16) * 16
    }
    const memory = this.exports.memory
    if (at > memory.buffer.byteLength) {
      memory.grow(Math.ceil((at - memory.buffer.byteLength) / PAGE))
      this.f32 = new Float32Array(memory.buffer)
      this.u8 = new Uint8Array(memory.buffer)
      this.i32 = new Int32Array(memory.buffer)
    }
    return offsets
  }

  /** A float32 view of `length` values at byte offset `ptr`. */
  floats(ptr: number, length: number): Float32Array {
    return this.f32.subarray(ptr >> 2, (ptr >> 2) + length)
  }

  /** An int32 view of `length` values at byte offset `ptr`. */
  ints(ptr: number, length: number): Int32Array {
    return this.i32.subarray(ptr >> 2, (ptr >> 2) + length)
  }

  /** A byte view of `length` bytes at byte offset `ptr`. */
  bytes(ptr: number, length: number): Uint8Array {
    return this.u8.subarray(ptr, ptr + length)
  }
}

let shared: Kernel | undefined

/** This thread's kernel instance (created on first use). */
export function threadKernel(): Kernel {
  shared ??= new Kernel()
  return shared
}
