// The engine's public face: analyze() and inspect(), the process's model cache, and the hook and
// dependency types callers pass in. Stages live in the sibling files, named for what they own.
export { analyze } from './analyze';
export { inspect } from './inspect';
export { clearModelCache, openModelCached } from './caches';
export type { ForwardCache, ForwardRequest } from './caches';
export type { EngineDeps, EngineHooks } from './job';
