/**
 * An SVG picture that shows itself in notebooks: `deno jupyter` displays it as
 * `image/svg+xml`, and `String(image)` is the SVG text to write to a file.
 *
 * @module
 */

/**
 * SVG text that a Jupyter notebook displays as a picture (`image/svg+xml`); made by
 * {@linkcode plot} and {@linkcode dotToSvg}.
 *
 * @example Write the picture to a file, or let a notebook cell show it
 * ```ts
 * import { plot, SvgImage } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const image = plot((x) => x.sin(), { range: [0, 3] });
 * assert.ok(image instanceof SvgImage);
 * assert.ok(String(image).startsWith("<svg"));
 * // Deno: await Deno.writeTextFile("sin.svg", image.svg);
 * ```
 */
export class SvgImage {
  /** The SVG document's text. */
  readonly svg: string;

  /**
   * Wraps SVG text.
   *
   * @param svg the SVG document's text
   */
  constructor(svg: string) {
    this.svg = svg;
  }

  /**
   * The SVG text.
   *
   * @returns the SVG document's text
   */
  toString(): string {
    return this.svg;
  }

  /**
   * The bundle `deno jupyter` displays: the picture, as `image/svg+xml`.
   *
   * @returns the MIME bundle
   */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "image/svg+xml": this.svg };
  }
}

/** Escapes text for SVG or HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}
