// Error factories with stable ids. `message` is Chinese (shown to people); `expose` says whether it may be shown.
export class AppError extends Error {
  constructor(
    readonly id: string,
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly expose = status < 500,
  ) {
    super(message);
  }
}

export const ValidationError = (message: string, details?: Record<string, unknown>) =>
  new AppError("validation_error", 400, message, details);
export const AuthenticationError = (message = "未授权：请提供有效的访问令牌") => new AppError("authentication_required", 401, message);
export const AuthorizationError = (message = "无权访问该资源") => new AppError("forbidden", 403, message);
export const NotFoundError = (message = "资源不存在") => new AppError("not_found", 404, message);
