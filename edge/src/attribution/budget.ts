// Wall time and D1 round trips one job invocation may spend, shared by every site it runs.

export class Budget {
  private readonly deadline: number;
  constructor(
    ms: number,
    private queries: number,
  ) {
    this.deadline = Date.now() + ms;
  }
  spend(queries: number): void {
    this.queries -= queries;
  }
  /** Room for one more chunk (a few round trips), or not. */
  get exhausted(): boolean {
    return this.queries < 8 || Date.now() >= this.deadline;
  }
}
