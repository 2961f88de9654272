/** The daemon's request errors: a message for the client and the HTTP status it is answered with. */

/** An API error with its HTTP status. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}
