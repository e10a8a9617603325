/*
 * The service worker of one language of the handbook, registered only when
 * the reader presses "Save this handbook for offline use"
 * (assets/javascripts/offline.js). OFFLINE, above, is written by the build
 * (scripts/myeloma_handbook/offline.py): the language, the edition, the
 * name of this build's cache and the URLs to save, relative to this file.
 *
 * - install: saves every URL of the manifest (a few at a time, telling the
 *   pages of its language how far it is), then takes over at once; if one
 *   cannot be saved, it stops, deletes what it saved and says so;
 * - activate: deletes the caches of this language's earlier builds;
 * - fetch: answers only for URLs of its manifest. Pages and the search
 *   index come from the network while it answers (a new edition shows at
 *   once) and from the saved copy when it does not, or not within
 *   NETWORK_WAIT; everything else comes from the saved copy. Any other URL
 *   (another language's pages, the PDF) goes to the network as if there
 *   were no worker, and nothing is ever saved outside the install.
 */
"use strict"

const NETWORK_WAIT = 4000 // ms
const PARALLEL = 4
const URLS = OFFLINE.urls.map(url => new URL(url, self.location).href)
const SAVED = new Set(URLS)

function tell(message) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(clients => {
    for (const client of clients) client.postMessage(Object.assign({ language: OFFLINE.language }, message))
  })
}

/* Saves every URL, PARALLEL at a time. The first that fails stops them all
   (no more downloads, no more progress), and only once every one has
   stopped does the promise reject: the "failed" message is the last the
   pages get, and nothing is put into the cache after it is deleted. */
async function save() {
  const cache = await caches.open(OFFLINE.cache)
  const queue = URLS.slice()
  let done = 0
  let stopped = false
  async function next() {
    while (queue.length && !stopped) {
      const url = queue.shift()
      try {
        let response = await fetch(url, { cache: "no-cache" })
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
        if (response.redirected) { // a redirected response cannot answer a navigation
          response = new Response(await response.blob(), { status: response.status, headers: response.headers })
        }
        if (stopped) return
        await cache.put(url, response)
      } catch (error) {
        stopped = true
        throw error
      }
      done += 1
      if (!stopped && (done % 8 === 0 || done === URLS.length)) await tell({ type: "progress", done, total: URLS.length })
    }
  }
  const failure = (await Promise.allSettled(Array.from({ length: PARALLEL }, next))).find(r => r.status === "rejected")
  if (failure) throw failure.reason
}

self.addEventListener("install", event => {
  event.waitUntil(save().then(() => self.skipWaiting(), async error => {
    await caches.delete(OFFLINE.cache)
    await tell({ type: "failed" })
    throw error
  }))
})

self.addEventListener("activate", event => {
  event.waitUntil((async () => {
    const names = await caches.keys()
    await Promise.all(names.filter(name => name.startsWith(OFFLINE.prefix) && name !== OFFLINE.cache)
      .map(name => caches.delete(name)))
    await self.clients.claim()
    await tell({ type: "saved", edition: OFFLINE.edition })
  })())
})

self.addEventListener("message", event => {
  if (event.data && event.data.type === "status" && event.source) {
    event.source.postMessage({ language: OFFLINE.language, type: "saved", edition: OFFLINE.edition })
  }
})

/* The saved copy of a URL, as the answer to a request for it. A request
   with a query (search-stemming.js?material=..., a page opened from search
   with ?h=...) gets a new response: a saved one carries the saved URL, and a
   worker or document takes its location from its response's URL. */
function fromCache(request, key) {
  // caches.match, not caches.open: opening would make an empty copy again while the reader removes it
  return caches.match(key, { cacheName: OFFLINE.cache }).then(saved =>
    !saved || saved.url === request.url ? saved
      : new Response(saved.body, { status: saved.status, statusText: saved.statusText, headers: saved.headers }))
}

function networkFirst(request, key) {
  const network = fetch(request)
  const wait = new Promise(resolve => setTimeout(resolve, NETWORK_WAIT))
  return Promise.race([network.catch(() => undefined), wait])
    .then(response => response || fromCache(request, key).then(saved => saved || network))
}

self.addEventListener("fetch", event => {
  const request = event.request
  if (request.method !== "GET") return
  const url = new URL(request.url)
  url.search = "" // search results open pages with ?h=<words>
  url.hash = ""
  if (!SAVED.has(url.href)) return
  const fresh = request.mode === "navigate" || url.pathname.endsWith(".json")
  event.respondWith(fresh ? networkFirst(request, url.href)
    : fromCache(request, url.href).then(saved => saved || fetch(request)))
})
