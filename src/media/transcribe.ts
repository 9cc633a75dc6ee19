// Speech to text for voice messages WeChat did not recognise: the OpenAI-compatible transcription endpoint at
// the LLM's base URL (ASR_MODEL, e.g. whisper-1 or a provider's paraformer), through the official SDK.
// Only the audio goes out (no text prompt, so no resident's text to mask); what comes back becomes the appeal's
// words, classified like typed ones: it is one line of bounded length, never a reply.
import OpenAI, { toFile } from "openai";

/** A transcript longer than this is cut: a minute of speech is a few hundred characters. */
export const TRANSCRIPT_MAX = 2_000;

export interface Transcriber {
  transcribe(audio: Buffer, fileName: string): Promise<string>;
}

export class OpenAiTranscriber implements Transcriber {
  constructor(
    private readonly client: OpenAI,
    private readonly model: string,
  ) {}

  async transcribe(audio: Buffer, fileName: string): Promise<string> {
    const result = await this.client.audio.transcriptions.create({ file: await toFile(audio, fileName), model: this.model, language: "zh", response_format: "json" });
    const text = typeof result === "string" ? result : result.text;
    return [...String(text ?? "").trim()].slice(0, TRANSCRIPT_MAX).join("");
  }
}
