{% autoescape off %}/* Dudao service worker (served at /sw.js by inspections.app_shell, scope "/").

   - App shell: the static files every page needs, precached under the release hash; a new release
     installs a new cache and the old one is dropped on activation.
   - Field pages (the inspector's drafts, his projects, the visit form of each of his projects):
     network first, the last good copy when there is no network. Any other page falls back to the
     drafts page offline. Pages are kept for the user who loaded them (shell.js drops them when
     another user signs in or anyone signs out).
   - API calls are never cached. Background Sync sends the drafts of the user last signed in. */
"use strict";

const RELEASE = "{{ release }}";
const SHELL_CACHE = "dudao-shell-" + RELEASE;
const PAGES_CACHE = "dudao-pages";
const SHELL = {{ shell }};
const STATIC_PREFIX = {{ static_prefix }};
const PAGES = {{ pages }};
const LOGIN_PATH = {{ login_path }};
const FORM_PATH = "/visits/new/";

importScripts(...{{ imports }});

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith("dudao-shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n)))
      )
      .then(() => self.clients.claim())
  );
});

function isFieldPage(url) {
  return url.pathname === PAGES.drafts || url.pathname === PAGES.projects || url.pathname === FORM_PATH;
}

function keepable(response) {
  const type = response.headers.get("Content-Type") || "";
  return response.ok && !response.redirected && type.startsWith("text/html");
}

async function fromShell(request) {
  const cached = await caches.match(request, { ignoreSearch: true, cacheName: SHELL_CACHE });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

async function offlinePage(request) {
  const cache = await caches.open(PAGES_CACHE);
  return (
    (await cache.match(request, { ignoreVary: true })) ||
    (await cache.match(PAGES.drafts, { ignoreVary: true })) ||
    new Response("<!doctype html><meta charset=utf-8><title>督导</title><p>当前没有网络，此页面没有离线副本。</p>", {
      status: 503,
      headers: { "Content-Type": "text/html; charset=utf-8" },
    })
  );
}

async function page(request) {
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    if (isFieldPage(url) && keepable(response)) {
      const cache = await caches.open(PAGES_CACHE);
      await cache.put(url.href, response.clone());
    }
    return response;
  } catch (error) {
    return offlinePage(request);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (url.pathname.startsWith(STATIC_PREFIX) || SHELL.includes(url.pathname)) {
    event.respondWith(fromShell(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

// Keep the inspector's field pages: the drafts page names the visit forms of his projects.
async function warm(language) {
  // In the page's language (the worker's own requests would carry the browser's default).
  const headers = language ? { "Accept-Language": language } : {};
  const keep = async (path) => {
    const response = await fetch(path, { credentials: "same-origin", headers });
    if (!keepable(response)) return "";
    const text = await response.clone().text();
    const cache = await caches.open(PAGES_CACHE); // opened late: a page may have dropped it meanwhile
    await cache.put(new URL(path, self.location.origin).href, response);
    return text;
  };
  const drafts = await keep(PAGES.drafts);
  await keep(PAGES.projects);
  const forms = [...drafts.matchAll(/<a[^>]*data-field-page[^>]*href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
  for (const form of forms) await keep(form);
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "warm") event.waitUntil(warm(event.data.language).catch(() => undefined));
});

self.addEventListener("sync", (event) => {
  if (event.tag !== "dudao-drafts") return;
  // Rejecting asks the browser to try again later (network still gone, server busy).
  event.waitUntil(
    DudaoStore.meta("currentUser")
      .then((userId) => (userId ? DudaoSync.syncAll(userId) : []))
      .then((results) => {
        if (results.some((d) => d && d.state === "pending")) throw new Error("drafts still pending");
      })
  );
});
{% endautoescape %}
