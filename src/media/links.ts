// Links that work only with their signature and until they expire: a resident's photo for a unit whose chat
// cannot carry images, and the satisfaction survey's answer page in a subscription notice.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export class SignedLinks {
  private readonly key: Buffer;

  constructor(
    secret: string | undefined,
    /** The address people reach the service at (PUBLIC_URL). */
    readonly baseUrl: string,
    /** Without LINK_SECRET a random key is used: links then stop working when the process restarts. */
    readonly ephemeral = !secret,
  ) {
    this.key = secret ? Buffer.from(secret) : randomBytes(32);
  }

  private sign(purpose: string, id: string, exp: number): string {
    return createHmac("sha256", this.key).update(`${purpose}:${id}:${exp}`).digest("base64url").slice(0, 32);
  }

  private valid(purpose: string, id: string, exp: number, sig: string, now: Date): boolean {
    if (!Number.isInteger(exp) || exp * 1000 < now.getTime()) return false;
    const a = Buffer.from(this.sign(purpose, id, exp));
    const b = Buffer.from(sig);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A resident's photo or voice message, until `expiresAt`. */
  media(attachmentId: number, expiresAt: Date): string {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    return `${this.baseUrl}/media/${attachmentId}?exp=${exp}&sig=${this.sign("media", String(attachmentId), exp)}`;
  }

  mediaOk(attachmentId: number, exp: number, sig: string, now: Date): boolean {
    return this.valid("media", String(attachmentId), exp, sig, now);
  }

  /**
   * The survey answer page for one round of a case (its rework count), until `expiresAt`: for the case's own
   * resident, or for one who joined it (同诉: `reporterId`, their CaseReporter row), whose answer is their own.
   */
  survey(caseId: number, round: number, expiresAt: Date, reporterId: number | null = null): string {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    const id = `${caseId}.${round}${reporterId === null ? "" : `-${reporterId}`}`;
    return `${this.baseUrl}/r/${id}.${exp}.${this.sign("survey", id, exp)}`;
  }

  /** The case, round and reporter (null: the case's resident) a survey link is for, or null when forged or expired. */
  surveyToken(token: string, now: Date): { caseId: number; round: number; reporterId: number | null } | null {
    const m = /^(\d{1,10})\.(\d{1,4})(?:-(\d{1,10}))?\.(\d{1,12})\.([A-Za-z0-9_-]{32})$/.exec(token);
    if (!m) return null;
    const id = `${m[1]}.${m[2]}${m[3] === undefined ? "" : `-${m[3]}`}`;
    return this.valid("survey", id, Number(m[4]), m[5], now) ? { caseId: Number(m[1]), round: Number(m[2]), reporterId: m[3] === undefined ? null : Number(m[3]) } : null;
  }
}
