// <circlewise-recommendations model="/model.cwm">: a drop-in element for course pages. It loads
// the published model, reads the learner's history from this device (IndexedDB), recommends in
// WASM and renders accessible cards. Nothing about the learner leaves the page.
//
// Attributes: model (URL of a .cwm or .json model, required), n (default 6), community,
// heading, item-href (link template, "{id}" is replaced), privacy-href (the "what leaves this
// device" page), currency (ISO code for prices), history-db (IndexedDB name).
// Properties: history (array, overrides the stored history), recommender (a loaded Recommender).
// Events: "circlewise-select" {detail: {id, title}} when a card is activated; "circlewise-error".
// Theme with CSS custom properties on the element: --cw-font, --cw-fg, --cw-muted, --cw-bg,
// --cw-card-bg, --cw-card-border, --cw-accent, --cw-focus, --cw-radius, --cw-gap, --cw-card-width.

const TAG = 'circlewise-recommendations';
const DEFAULT_PRIVACY_HREF = 'https://github.com/circlewise/circlewise/blob/main/docs/recommender.md#what-leaves-this-device';

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function formatPrice(price, currency) {
  if (price == null) return '';
  if (price === 0) return 'Free';
  try {
    return currency ? new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(price) : String(price);
  } catch {
    return String(price);
  }
}

export const STYLE = `
:host { display: block; font: var(--cw-font, inherit); color: var(--cw-fg, inherit); background: var(--cw-bg, transparent); }
h2 { font-size: 1.1em; margin: 0 0 .5em; }
ul { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--cw-gap, .75rem);
     grid-template-columns: repeat(auto-fill, minmax(var(--cw-card-width, 12rem), 1fr)); }
.card { display: flex; flex-direction: column; gap: .25em; height: 100%; box-sizing: border-box; padding: .75em;
        background: var(--cw-card-bg, #fff); border: 1px solid var(--cw-card-border, #d0d4da);
        border-radius: var(--cw-radius, .5rem); color: inherit; text-decoration: none; cursor: pointer; }
.card:hover { border-color: var(--cw-accent, #2a5bd7); }
.card:focus-visible { outline: 3px solid var(--cw-focus, var(--cw-accent, #2a5bd7)); outline-offset: 2px; }
.title { font-weight: 600; color: var(--cw-accent, #2a5bd7); }
.meta, .reason { font-size: .875em; color: var(--cw-muted, #555b66); }
.privacy { font-size: .8em; color: var(--cw-muted, #555b66); margin: .75em 0 0; }
.privacy a { color: inherit; }
.status { font-size: .9em; color: var(--cw-muted, #555b66); }
`;

/**
 * The element's markup for a recommend() result (a pure function, also usable server-side).
 * Cards are list items (ul/li, each an <a> when `itemHref` is given, else a focusable element
 * with role="link"), titled by a heading; the privacy notice links to `privacyHref`.
 */
export function renderRecommendations(result, { heading = 'Recommended for you', itemHref, privacyHref = DEFAULT_PRIVACY_HREF, currency } = {}) {
  const items = result?.items ?? [];
  const cards = items.map((it, i) => {
    const meta = [it.category, formatPrice(it.price, currency)].filter(Boolean).map(escapeHtml).join(' · ');
    const body = `<span class="title">${escapeHtml(it.title)}</span>` +
      (meta ? `<span class="meta">${meta}</span>` : '') +
      `<span class="reason">${escapeHtml(it.reason)}</span>`;
    const attrs = `class="card" data-id="${escapeHtml(it.id)}" tabindex="${i === 0 ? 0 : -1}"`;
    const card = itemHref
      ? `<a ${attrs} href="${escapeHtml(itemHref.replaceAll('{id}', encodeURIComponent(it.id)))}">${body}</a>`
      : `<div ${attrs} role="link">${body}</div>`;
    return `<li>${card}</li>`;
  }).join('');
  const list = items.length
    ? `<ul role="list" aria-labelledby="cw-heading">${cards}</ul>`
    : '<p class="status" role="status">No recommendations yet.</p>';
  return `<section aria-labelledby="cw-heading"><h2 id="cw-heading" part="heading">${escapeHtml(heading)}</h2>${list}` +
    `<p class="privacy" part="privacy">Picked on this device from your own activity, which never leaves your browser. ` +
    `<a href="${escapeHtml(privacyHref)}">What leaves this device</a></p></section>`;
}

function defineElement() {
  const models = new Map(); // model URL -> Promise<Recommender>, shared by every element on the page

  class CirclewiseRecommendations extends HTMLElement {
    static get observedAttributes() { return ['model', 'n', 'community', 'heading', 'item-href', 'privacy-href', 'currency']; }
    #history;
    #recommender;
    #store;
    #pending = 0;
    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      this.shadowRoot.addEventListener('keydown', (e) => this.#onKey(e));
      this.shadowRoot.addEventListener('click', (e) => this.#activate(e.target.closest?.('.card'), e));
    }
    get history() { return this.#history; }
    set history(h) { this.#history = h; this.refresh(); }
    get recommender() { return this.#recommender; }
    set recommender(r) { this.#recommender = r; this.refresh(); }
    connectedCallback() { this.refresh(); }
    attributeChangedCallback() { if (this.isConnected) this.refresh(); }

    async #model(cw) {
      if (this.#recommender) return this.#recommender;
      const url = this.getAttribute('model');
      if (!url) throw new Error('<circlewise-recommendations> needs a "model" attribute (URL of a .cwm or .json model)');
      const abs = new URL(url, document.baseURI).href;
      if (!models.has(abs)) {
        models.set(abs, (async () => {
          const res = await fetch(abs);
          if (!res.ok) throw new Error(`could not load the model ${url}: HTTP ${res.status}`);
          return cw.loadModel(new Uint8Array(await res.arrayBuffer()));
        })().catch((e) => { models.delete(abs); throw e; }));
      }
      return models.get(abs);
    }

    /** Re-reads the history and re-renders (call after store.track()). */
    async refresh() {
      const ticket = ++this.#pending; // a later refresh wins over an earlier one still loading
      this.setAttribute('aria-busy', 'true');
      try {
        await Promise.resolve(); // lets the importing entry finish evaluating first
        // The small learner module (not the full one): a course page pays only for what it uses.
        const { load } = await import('./learner.js');
        const cw = await load();
        const rec = await this.#model(cw);
        let history = this.#history;
        if (!history) {
          // One store per element even when refreshes overlap (each store keeps a connection).
          this.#store ??= cw.historyStore({ name: this.getAttribute('history-db') ?? 'circlewise-history' });
          history = await (await this.#store).history();
        }
        const n = Number(this.getAttribute('n') ?? 6);
        const result = rec.recommend(history, { n: Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 6, community: this.getAttribute('community') ?? '' });
        if (ticket !== this.#pending) return;
        this.shadowRoot.innerHTML = `<style>${STYLE}</style>` + renderRecommendations(result, {
          heading: this.getAttribute('heading') ?? undefined,
          itemHref: this.getAttribute('item-href') ?? undefined,
          privacyHref: this.getAttribute('privacy-href') ?? undefined,
          currency: this.getAttribute('currency') ?? undefined,
        });
      } catch (e) {
        if (ticket !== this.#pending) return;
        this.shadowRoot.innerHTML = `<style>${STYLE}</style><p class="status" role="status">Recommendations are unavailable.</p>`;
        this.dispatchEvent(new CustomEvent('circlewise-error', { detail: { message: e.message }, bubbles: true, composed: true }));
      } finally {
        if (ticket === this.#pending) this.removeAttribute('aria-busy');
      }
    }

    #cards() { return [...this.shadowRoot.querySelectorAll('.card')]; }

    // Roving tabindex: one Tab stop for the list, arrows/Home/End move between cards.
    #onKey(e) {
      const cards = this.#cards();
      const i = cards.indexOf(e.target);
      if (i < 0) return;
      let next = -1;
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(cards.length - 1, i + 1);
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, i - 1);
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = cards.length - 1;
      else if ((e.key === 'Enter' || e.key === ' ') && cards[i].tagName !== 'A') { e.preventDefault(); this.#activate(cards[i], e); return; }
      if (next < 0) return;
      e.preventDefault();
      cards[i].tabIndex = -1;
      cards[next].tabIndex = 0;
      cards[next].focus();
    }

    #activate(card, e) {
      if (!card) return;
      const detail = { id: card.dataset.id, title: card.querySelector('.title')?.textContent ?? '' };
      const ok = this.dispatchEvent(new CustomEvent('circlewise-select', { detail, bubbles: true, composed: true, cancelable: true }));
      if (!ok) e.preventDefault?.();
    }
  }
  if (!customElements.get(TAG)) customElements.define(TAG, CirclewiseRecommendations);
}

// Only where custom elements exist: the module must import cleanly in Node and Workers.
if (typeof customElements !== 'undefined' && typeof HTMLElement !== 'undefined') defineElement();

export const methods = {};
