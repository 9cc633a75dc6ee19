// Speech to text for voice messages WeChat did not recognise: the OpenAI-compatible transcription endpoint at
// the LLM's base URL (ASR_MODEL, e.g. whisper-1 or a provider's paraformer), through the official SDK.
import OpenAI, { toFile } from "openai";

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
    return typeof result === "string" ? result : result.text;
  }
}
