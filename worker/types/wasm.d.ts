// Wrangler (and the Workers Vitest integration) bundle `.wasm` imports as compiled modules (the
// CompiledWasm rule): Workers cannot compile WebAssembly from bytes at runtime.
declare module "@jitl/quickjs-wasmfile-release-sync/wasm" {
  const module: WebAssembly.Module;
  export default module;
}
