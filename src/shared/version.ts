/** Kept equal to package.json's version by a test; reading package.json at run time would cost start-up. */
export const VERSION = "0.1.0";
export const USER_AGENT = `knock-sources-mcp/${VERSION}`;
