import type { ProviderTemplate } from "./types.js";

type Branding = ProviderTemplate["provider"]["branding"];

/** Every template's assets follow one naming scheme; only the colours differ. */
export function branding(key: string, colors: Branding["colors"]): Branding {
  return {
    icon_image: `/images/sources/${key}-icon.svg`,
    wordmark_images: {
      light: `/images/sources/${key}-wordmark-light.svg`,
      dark: `/images/sources/${key}-wordmark-dark.svg`,
    },
    colors,
  };
}
