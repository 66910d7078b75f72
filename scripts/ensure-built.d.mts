// Types for the plain-JavaScript script, so tests can import it.
export declare const ROOT: string;
export declare const ENTRY: string;
export declare const REBUILD_NOTICE: string;
export declare function ensureBuilt(): "up to date" | "rebuilt";
