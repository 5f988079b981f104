/**
 * Which message content blocks carry media bytes, in every shape LangChain passes them on: the
 * providers' own (OpenAI chat and Responses parts, Anthropic base64 sources, Gemini `inlineData`)
 * and LangChain's standard blocks (v0 `source_type: "base64"`, v1 `data` / `base64`). Each becomes a
 * reference (media/references.ts) at its position in the content; a block that points at a URL or a
 * provider's file id carries no bytes and is left to the mapping as it is.
 */
import { type Dict, isObject } from "../util/dict.js";
import {
  base64Reference,
  binaryReference,
  dataUrlReference,
  type MediaKind,
  type MediaReference,
  mediaKind,
} from "./references.js";

const STANDARD_KINDS: Record<string, MediaKind> = {
  image: "image",
  audio: "audio",
  video: "video",
  file: "file",
};

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `data` when it is base64 text or binary, with the block's MIME type; else undefined. */
function dataReference(
  data: unknown,
  mime: string | undefined,
  kind: MediaKind | undefined,
  filename?: string,
): MediaReference | undefined {
  if (typeof data === "string" && data !== "") {
    // Some apps put a whole data URL where base64 alone is expected.
    const fromUrl = dataUrlReference(data, kind, filename);
    if (fromUrl) return fromUrl;
    const type = mime ?? "application/octet-stream";
    return base64Reference(data, 0, type, kind ?? mediaKind(type), filename);
  }
  if (data instanceof Uint8Array) {
    const type = mime ?? "application/octet-stream";
    return binaryReference(data, type, kind ?? mediaKind(type), filename);
  }
  return undefined;
}

/** The media reference for a content block that carries bytes, else undefined. */
export function mediaReference(block: Dict): MediaReference | undefined {
  const type = block.type;
  // OpenAI chat `image_url` and Responses `input_image`: a data URL is bytes, any other URL is not.
  if (type === "image_url" || type === "input_image") {
    const url =
      typeof block.image_url === "string" ? block.image_url : (block.image_url as Dict | undefined)?.url;
    return typeof url === "string" ? dataUrlReference(url, "image") : undefined;
  }
  // OpenAI `input_audio: {data, format}` (format "wav", "mp3").
  if (type === "input_audio" && isObject(block.input_audio)) {
    const audio = block.input_audio;
    const format = str(audio.format);
    return dataReference(audio.data, format ? `audio/${format}` : "audio/*", "audio");
  }
  // OpenAI chat `file: {file_data, filename}`, Responses `input_file` with `file_data`.
  if ((type === "file" && isObject(block.file)) || type === "input_file") {
    const file = type === "file" ? (block.file as Dict) : block;
    if (typeof file.file_data !== "string") return undefined;
    return dataReference(file.file_data, undefined, undefined, str(file.filename));
  }
  // Anthropic `image` / `document` with `source: {type: "base64", media_type, data}`.
  const source = block.source;
  if (isObject(source) && source.type === "base64" && typeof source.data === "string") {
    const mime = str(source.media_type) ?? str(source.mediaType);
    return dataReference(source.data, mime, type === "image" ? "image" : undefined, str(block.title));
  }
  // Gemini `inlineData: {mimeType, data}` (as @langchain/google-genai reads a reply's parts, with
  // `type: "inlineData"`), and what it accepts as input: `type: "media"`, or a MIME type as `type`.
  if (isObject(block.inlineData)) {
    const inline = block.inlineData;
    return dataReference(inline.data, str(inline.mimeType) ?? str(inline.mime_type), undefined);
  }
  if (type === "media" && block.data !== undefined)
    return dataReference(block.data, str(block.mimeType) ?? str(block.mime_type), undefined);
  if (typeof type === "string" && typeof block.data === "string" && /^[a-z]+\/[\w.+-]+$/i.test(type))
    return dataReference(block.data, type.toLowerCase(), undefined);
  // LangChain standard blocks: v0 `{source_type: "base64", data, mime_type}`, v1 `{data | base64, mimeType}`.
  const kind = typeof type === "string" ? STANDARD_KINDS[type] : undefined;
  if (kind === undefined) return undefined;
  if (block.source_type !== undefined && block.source_type !== "base64") return undefined;
  const data = block.data ?? block.base64;
  const mime = str(block.mime_type) ?? str(block.mimeType);
  const filename =
    str(block.filename) ??
    (isObject(block.metadata) ? (str(block.metadata.filename) ?? str(block.metadata.name)) : undefined);
  // A v1 block's `url` may itself be a data URL.
  if (data === undefined)
    return typeof block.url === "string" ? dataUrlReference(block.url, kind, filename) : undefined;
  return dataReference(data, mime, kind, filename);
}
