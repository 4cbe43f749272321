/** The EngineVersion a node reports when its tasks run as host processes (no images). */
export const PROCESS_ENGINE = 'tswarm-process';
