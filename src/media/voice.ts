// WeChat's voice messages are AMR or Speex, which browsers do not play: ffmpeg (Debian's package) turns them into
// MP3. Without ffmpeg the voice is kept as it came and offered for download.
import { execFile } from "node:child_process";

/** Whether the ffmpeg at `bin` runs and can decode AMR. */
export function ffmpegCanDecodeAmr(bin: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(bin, ["-hide_banner", "-decoders"], { timeout: 10_000 }, (err, stdout) => resolve(!err && /amrnb/.test(stdout)));
  });
}

/** Converts `input` to a mono 16 kHz MP3 at `output` (small, and what speech-to-text services take). */
export function toMp3(bin: string, input: string, output: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", input, "-vn", "-ac", "1", "-ar", "16000", "-codec:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", output],
      { timeout: 60_000 },
      (err, _stdout, stderr) => (err ? reject(new Error(`ffmpeg could not convert the voice: ${String(stderr).trim().slice(0, 300) || err.message}`)) : resolve()),
    );
  });
}
