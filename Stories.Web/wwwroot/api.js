// The API contract as a browser uses it: a bearer token in the Authorization header, JSON in
// snake_case, and every error as application/problem+json turned into a sentence for a person.

const TOKEN_KEY = 'stories.session';
let base = '';

export async function loadConfig() {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new ApiError('The client could not read its configuration (/config.json).');
  base = (await response.json()).apiBaseAddress;
}

export const apiBase = () => base;

// sessionStorage, not localStorage: a reload keeps you logged in, closing the tab logs you out,
// and other tabs or later visitors of this machine never see the token (ADR 0010).
export const session = {
  get: () => JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null'),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, JSON.stringify(value)),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(message, status = 0, retryAfter = null) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

const plain = {
  400: 'Something in the request was not accepted.',
  401: 'Please log in again.',
  404: 'That is no longer there (it may have expired, or you may not see it).',
  409: 'That is already taken.',
  413: 'That is too large.',
  429: 'Too many requests.',
  503: 'The service is briefly unavailable.',
};

async function toError(response) {
  let problem = {};
  if ((response.headers.get('Content-Type') ?? '').includes('json')) {
    problem = await response.json().catch(() => ({}));
  }
  const retryAfter = Number(response.headers.get('Retry-After')) || null;
  const fields = problem.errors ? Object.values(problem.errors).flat() : [];
  const parts = [problem.detail ?? problem.title ?? plain[response.status] ?? `The server answered ${response.status}.`, ...fields];
  if (retryAfter) parts.push(`Try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`);
  return new ApiError(parts.join(' '), response.status, retryAfter);
}

export async function api(method, path, body) {
  const headers = {};
  const token = session.get()?.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError('The API cannot be reached. Check your connection and try again.');
  }
  if (!response.ok) throw await toError(response);
  return response.status === 204 ? null : response.json();
}

// fetch() cannot report upload progress; XMLHttpRequest can. The presigned URL signs the type and the
// exact length, so the headers the API returned are sent as they are.
export function putToStorage(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method ?? 'PUT', upload.upload_url);
    for (const [name, value] of Object.entries(upload.headers ?? {})) {
      if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300
      ? resolve()
      : reject(new ApiError(`Storage refused the upload (${xhr.status}). Choose the file again and retry.`, xhr.status)));
    xhr.onerror = () => reject(new ApiError('The upload could not reach storage.'));
    xhr.send(file);
  });
}
