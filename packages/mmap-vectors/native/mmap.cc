// A minimal memory-mapping addon: map a file range into an external ArrayBuffer, advise the
// kernel about access patterns, and unmap deterministically. Everything else (windows, layout,
// bounds) lives in TypeScript.
#include <napi.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

struct Mapping {
  void* addr;
  size_t length;
  bool unmapped;
};

// unmap() receives only the ArrayBuffer, and the GC finalizer may still run after an explicit
// unmap, so live mappings are looked up by address and flagged once released.
std::mutex registry_mutex;
std::unordered_map<void*, Mapping*> registry;

void ThrowErrno(Napi::Env env, const char* call, int err) {
  Napi::Error error = Napi::Error::New(env, std::string(call) + " failed: " + std::strerror(err));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, call));
  error.ThrowAsJavaScriptException();
}

void FinalizeMapping(napi_env /*env*/, void* /*data*/, void* hint) {
  auto* mapping = static_cast<Mapping*>(hint);
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    if (!mapping->unmapped) {
      auto it = registry.find(mapping->addr);
      if (it != registry.end() && it->second == mapping) registry.erase(it);
      munmap(mapping->addr, mapping->length);
      mapping->unmapped = true;
    }
  }
  delete mapping;
}

bool ReadSize(const Napi::CallbackInfo& info, size_t index, const char* name, double max, double* out) {
  if (!info[index].IsNumber()) {
    Napi::TypeError::New(info.Env(), std::string(name) + " must be a number").ThrowAsJavaScriptException();
    return false;
  }
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= 0) || value > max || value != static_cast<double>(static_cast<uint64_t>(value))) {
    Napi::RangeError::New(info.Env(), std::string(name) + " must be a non-negative integer")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = value;
  return true;
}

// map(fd, offset, length) -> ArrayBuffer over [offset, offset + length) of the file.
// MAP_PRIVATE: writes into the returned memory never reach the file (and never fault on a
// read-only descriptor); MAP_NORESERVE: no swap is reserved for pages that are never written.
// The range may extend past the end of the file: pages there become readable once the file grows.
Napi::Value Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double fd = 0;
  double offset = 0;
  double length = 0;
  if (!ReadSize(info, 0, "fd", 2147483647.0, &fd) || !ReadSize(info, 1, "offset", 9007199254740991.0, &offset) ||
      !ReadSize(info, 2, "length", 9007199254740991.0, &length)) {
    return env.Undefined();
  }
  if (length == 0) {
    Napi::RangeError::New(env, "length must be positive").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  long page = sysconf(_SC_PAGESIZE);
  if (static_cast<uint64_t>(offset) % static_cast<uint64_t>(page) != 0) {
    Napi::RangeError::New(env, "offset must be a multiple of the page size").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  size_t size = static_cast<size_t>(length);
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, static_cast<int>(fd),
                    static_cast<off_t>(offset));
  if (addr == MAP_FAILED) {
    ThrowErrno(env, "mmap", errno);
    return env.Undefined();
  }
  auto* mapping = new Mapping{addr, size, false};
  napi_value buffer;
  napi_status status = napi_create_external_arraybuffer(env, addr, size, FinalizeMapping, mapping, &buffer);
  if (status != napi_ok) {
    munmap(addr, size);
    delete mapping;
    // a pending exception (if any) describes the failure; otherwise say what failed
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) {
      Napi::Error::New(env, "this Node.js build does not allow external ArrayBuffers")
          .ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry[addr] = mapping;
  }
  return Napi::Value(env, buffer);
}

// advise(buffer, byteOffset, length, advice): madvise over the pages that cover the range.
Napi::Value Advise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) {
    Napi::TypeError::New(env, "buffer must be an ArrayBuffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  double offset = 0;
  double length = 0;
  double advice = 0;
  if (!ReadSize(info, 1, "byteOffset", 9007199254740991.0, &offset) ||
      !ReadSize(info, 2, "length", 9007199254740991.0, &length) ||
      !ReadSize(info, 3, "advice", 1024.0, &advice)) {
    return env.Undefined();
  }
  size_t total = buffer.ByteLength();
  size_t from = static_cast<size_t>(offset);
  size_t to = from + static_cast<size_t>(length);
  if (to > total) to = total;
  if (from >= to) return env.Undefined();
  auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  auto base = reinterpret_cast<uintptr_t>(buffer.Data());
  uintptr_t start = (base + from) & ~(page - 1);
  uintptr_t end = base + to;
  if (madvise(reinterpret_cast<void*>(start), end - start, static_cast<int>(advice)) != 0) {
    ThrowErrno(env, "madvise", errno);
  }
  return env.Undefined();
}

// unmap(buffer): detaches the buffer (every view over it becomes empty, so nothing can touch
// the released pages) and unmaps it now rather than at garbage collection.
Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) {
    Napi::TypeError::New(env, "buffer must be an ArrayBuffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  void* addr = buffer.Data();
  Mapping* mapping = nullptr;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = registry.find(addr);
    if (it == registry.end()) return Napi::Boolean::New(env, false);
    mapping = it->second;
    registry.erase(it);
  }
  if (napi_detach_arraybuffer(env, buffer) != napi_ok) {
    // the mapping stays until garbage collection, so no live view can touch unmapped memory
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry[addr] = mapping;
    Napi::Error::New(env, "could not detach the mapped ArrayBuffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::lock_guard<std::mutex> lock(registry_mutex);
  munmap(mapping->addr, mapping->length);
  mapping->unmapped = true;
  return Napi::Boolean::New(env, true);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("map", Napi::Function::New(env, Map, "map"));
  exports.Set("advise", Napi::Function::New(env, Advise, "advise"));
  exports.Set("unmap", Napi::Function::New(env, Unmap, "unmap"));
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
  Napi::Object advice = Napi::Object::New(env);
  advice.Set("normal", Napi::Number::New(env, MADV_NORMAL));
  advice.Set("random", Napi::Number::New(env, MADV_RANDOM));
  advice.Set("sequential", Napi::Number::New(env, MADV_SEQUENTIAL));
  advice.Set("willNeed", Napi::Number::New(env, MADV_WILLNEED));
  advice.Set("dontNeed", Napi::Number::New(env, MADV_DONTNEED));
  exports.Set("advice", advice);
  return exports;
}

}  // namespace

NODE_API_MODULE(sd_mmap, Init)
