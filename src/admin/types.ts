// What prompt versions and their evaluations both speak of: who acted, and an evaluation's result.

/** Who saved, activated or evaluated a version (an account, or the system). */
export interface Author {
  id: number | null;
  name: string;
}

export interface EvaluationResult {
  n: number;
  accuracy: number;
  macroF1: number;
  perLabel: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  /** The most frequent mistakes: the right matter, what was answered instead, how often. */
  confusions: { actual: string; predicted: string; count: number }[];
  llmCalls: number;
  tokens: { prompt: number; completion: number; cached: number };
  /** Calls that failed (timeout, provider error, invalid answer twice): counted as wrong answers. */
  failures: number;
  msPerAppeal: number;
  method: string;
}
