import { api, apiBase, ApiError, loadConfig, putToStorage, session } from './api.js';

const EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🔥'];
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

const state = { items: [], cursor: null, followed: new Set(), handles: new Map(), playing: null, events: null };

function showError(error) {
  const box = $('error');
  box.textContent = error instanceof ApiError ? error.message : 'Something went wrong. Please try again.';
  box.hidden = false;
  if (error instanceof ApiError && error.status === 401 && session.get()) logOut();
}

const clearError = () => { $('error').hidden = true; };

// Every handler goes through here, so that no failure is silent.
const guarded = (fn) => async (...args) => {
  try { clearError(); await fn(...args); } catch (error) { showError(error); }
};

const me = () => session.get();

function hoursLeft(story) {
  const ms = new Date(story.expires_at) - Date.now();
  if (ms <= 0) return 'expiring';
  const h = Math.floor(ms / 3_600_000);
  return h >= 1 ? `${h} h left` : `${Math.max(1, Math.round(ms / 60_000))} min left`;
}

function fractionLeft(story) {
  const total = new Date(story.expires_at) - new Date(story.created_at);
  return Math.min(1, Math.max(0, (new Date(story.expires_at) - Date.now()) / total));
}

// ---- auth ----
async function onAuth(event) {
  event.preventDefault();
  const form = event.target;
  const action = event.submitter?.value ?? 'login';
  const body = { email: form.email.value, password: form.password.value };
  if (action === 'signup' && form.handle.value) body.handle = form.handle.value;
  const answer = await api('POST', `/${action}`, body);
  session.set({ token: answer.token, user_id: answer.user_id, handle: answer.handle });
  form.reset();
  await enter();
}

function logOut() {
  state.events?.close();
  state.events = null;
  session.clear();
  state.items = [];
  state.cursor = null;
  $('rings').replaceChildren();
  $('mine').replaceChildren();
  $('live').replaceChildren();
  $('app').hidden = true;
  $('auth').hidden = false;
  $('who').hidden = true;
  $('logout').hidden = true;
}

async function enter() {
  const user = me();
  $('auth').hidden = true;
  $('app').hidden = false;
  $('who').textContent = `@${user.handle}`;
  $('who').hidden = false;
  $('logout').hidden = false;
  await Promise.all([loadFollowing(), loadFeed(), loadStats()]);
  connectEvents();
}

// Whom I follow comes from the API, so the Follow/Unfollow button is right on any device or tab.
async function loadFollowing() {
  const { users } = await api('GET', '/me/following');
  state.followed = new Set(users.map((user) => user.user_id));
}

// ---- feed ----
async function loadFeed(more = false) {
  const query = more && state.cursor ? `&cursor=${encodeURIComponent(state.cursor)}` : '';
  const page = await api('GET', `/feed?limit=50${query}`);
  state.items = more ? [...state.items, ...page.items] : page.items;
  state.cursor = page.next_cursor;
  for (const story of state.items) state.handles.set(story.author.id, story.author.handle);
  renderRings();
  renderMine();
}

// Authors in the order of their newest story; the feed is newest first, so first appearance wins.
function groupByAuthor(items) {
  const groups = new Map();
  for (const story of items) {
    if (!groups.has(story.author.id)) groups.set(story.author.id, { author: story.author, stories: [] });
    groups.get(story.author.id).stories.push(story);
  }
  return [...groups.values()];
}

function ringSvg(letter, fraction) {
  const r = 32; const c = 2 * Math.PI * r;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 72 72');
  svg.setAttribute('aria-hidden', 'true');
  const circle = (cls, dash) => {
    const node = document.createElementNS(ns, 'circle');
    Object.entries({ cx: 36, cy: 36, r, fill: 'none', 'stroke-width': 5, class: cls, transform: 'rotate(-90 36 36)', 'stroke-linecap': 'round' })
      .forEach(([k, v]) => node.setAttribute(k, v));
    if (dash) node.setAttribute('stroke-dasharray', `${c * fraction} ${c}`);
    return node;
  };
  const text = document.createElementNS(ns, 'text');
  Object.entries({ x: 36, y: 44, 'text-anchor': 'middle', class: 'avatar' }).forEach(([k, v]) => text.setAttribute(k, v));
  text.textContent = letter.toUpperCase();
  svg.append(circle('track'), circle('left', true), text);
  return svg;
}

function renderRings() {
  const list = $('rings');
  list.replaceChildren();
  const groups = groupByAuthor(state.items);
  for (const group of groups) {
    const newest = group.stories[0];
    const unseen = group.stories.filter((s) => !s.viewed_by_me && s.author.id !== me().user_id).length;
    const own = group.author.id === me().user_id;
    const name = own ? 'Your story' : group.author.handle;
    const button = el('button', { type: 'button', className: `ring${unseen ? '' : ' seen'}` },
      ringSvg(group.author.handle[0] ?? '?', fractionLeft(newest)), el('span', {}, name), el('small', {}, hoursLeft(newest)));
    button.dataset.author = group.author.handle;
    button.setAttribute('aria-label', `${name}: ${group.stories.length} ${group.stories.length === 1 ? 'story' : 'stories'}, ${unseen} new, ${hoursLeft(newest)}`);
    button.addEventListener('click', () => openAuthor(group));
    list.append(el('li', {}, button));
  }
  $('feed-empty').hidden = groups.length > 0;
  $('more').hidden = !state.cursor;
}

// ---- viewer ----
function openAuthor(group) {
  // Play oldest first, starting at the first one not yet seen.
  const stories = [...group.stories].reverse();
  const start = Math.max(0, stories.findIndex((s) => !s.viewed_by_me));
  state.playing = { stories, index: start, author: group.author };
  $('viewer').showModal();
  showStory();
}

const guardedShow = guarded(async () => {
  const { stories, index, author } = state.playing;
  const story = stories[index];
  const own = author.id === me().user_id;
  $('viewer-author').textContent = own ? 'Your story' : `@${author.handle}`;
  $('viewer-time').textContent = `${index + 1} of ${stories.length} · ${hoursLeft(story)}`;
  $('viewer-text').textContent = story.text ?? '';
  $('viewer-note').textContent = '';
  const media = $('viewer-media');
  media.replaceChildren();
  if (story.media_url) {
    const isVideo = /\.(mp4|mov|webm)(\?|$)/i.test(story.media_key ?? '') || /video/i.test(story.media_key ?? '');
    media.append(isVideo
      ? el('video', { src: story.media_url, controls: true, autoplay: true, muted: true, playsInline: true })
      : el('img', { src: story.media_url, alt: story.text ? `Image: ${story.text}` : `Image posted by ${author.handle}` }));
  }
  $('prev').disabled = index === 0;
  $('next').disabled = index === stories.length - 1;
  const follow = $('follow');
  follow.hidden = own;
  follow.textContent = state.followed.has(author.id) ? `Unfollow @${author.handle}` : `Follow @${author.handle}`;
  renderReactions(story, own);
  if (!own && !story.viewed_by_me) {
    await api('POST', `/stories/${story.id}/view`);
    story.viewed_by_me = true;
  }
});

function showStory() { guardedShow(); }

function renderReactions(story, own) {
  const box = $('reactions');
  box.replaceChildren();
  box.hidden = own;
  for (const emoji of EMOJI) {
    const button = el('button', { type: 'button', textContent: emoji });
    button.setAttribute('aria-label', `React ${emoji}`);
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', guarded(async () => {
      await api('POST', `/stories/${story.id}/reactions`, { emoji });
      button.setAttribute('aria-pressed', 'true');
      $('viewer-note').textContent = `You reacted ${emoji}`;
    }));
    box.append(button);
  }
}

const step = (delta) => {
  const playing = state.playing;
  const next = playing.index + delta;
  if (next < 0 || next >= playing.stories.length) return;
  playing.index = next;
  showStory();
};

const toggleFollow = guarded(async () => {
  const { author } = state.playing;
  const following = state.followed.has(author.id);
  await api(following ? 'DELETE' : 'POST', `/follow/${author.id}`);
  following ? state.followed.delete(author.id) : state.followed.add(author.id);
  $('follow').textContent = following ? `Follow @${author.handle}` : `Unfollow @${author.handle}`;
  $('viewer-note').textContent = following ? `You no longer follow @${author.handle}.` : `You follow @${author.handle}: you will see their friends-only stories.`;
});

// ---- posting ----
async function onPost(event) {
  event.preventDefault();
  const form = event.target;
  const submit = form.querySelector('button[type=submit]');
  submit.disabled = true;
  try {
    const body = { text: form.text.value.trim() || null, visibility: form.visibility.value };
    const audience = form.audience.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (audience.length) body.audience_user_ids = audience;
    const file = form.media.files[0];
    if (file) {
      const upload = await api('POST', '/upload/presigned', { content_type: file.type, file_name: file.name, content_length: file.size });
      const bar = $('upload-progress');
      bar.hidden = false;
      bar.value = 0;
      await putToStorage(upload, file, (percent) => { bar.value = percent; });
      body.media_key = upload.media_key;
    }
    await api('POST', '/stories', body);
    form.reset();
    $('upload-progress').hidden = true;
    await Promise.all([loadFeed(), loadStats()]);
  } finally {
    submit.disabled = false;
  }
}

// ---- own stories, viewers, stats ----
function renderMine() {
  const list = $('mine');
  list.replaceChildren();
  const mine = state.items.filter((s) => s.author.id === me().user_id);
  for (const story of mine) {
    const reactions = Object.entries(story.reaction_counts ?? {}).map(([e, n]) => `${e} ${n}`).join('  ');
    const viewers = el('ul');
    const button = el('button', { type: 'button', className: 'ghost', textContent: 'Viewers' });
    button.addEventListener('click', guarded(async () => {
      const page = await api('GET', `/stories/${story.id}/viewers`);
      viewers.replaceChildren(...(page.items.length
        ? page.items.map((v) => el('li', {}, `@${v.handle} · ${new Date(v.viewed_at).toLocaleTimeString()}`))
        : [el('li', {}, 'No viewers yet')]));
    }));
    const item = el('li', {},
      el('div', { className: 'row spread' },
        el('span', {}, `${story.text ?? (story.media_url ? 'Media story' : '')} — ${story.visibility}, ${hoursLeft(story)}`),
        button),
      el('p', { className: 'muted', textContent: `${story.view_count ?? 0} view${story.view_count === 1 ? '' : 's'}${reactions ? ` · ${reactions}` : ''}` }),
      viewers);
    item.dataset.storyId = story.id;
    list.append(item);
  }
  $('mine-empty').hidden = mine.length > 0;
}

// Totals on one line, then one pair of bars a day (views, reactions) over the last 7 UTC dates.
async function loadStats() {
  const stats = await api('GET', '/me/stats');
  const reactions = EMOJI.map((e) => `${e} ${stats.reactions?.[e] ?? 0}`).join('  ');
  const totals = document.createElement('p');
  totals.className = 'totals';
  totals.textContent = `${stats.posted} posted · ${stats.views} views by ${stats.unique_viewers} people · ${reactions}`;
  const days = stats.days ?? [];
  const max = Math.max(1, ...days.flatMap((d) => [d.views, d.reactions]));
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const width = 320; const height = 120; const base = 96; const column = width / Math.max(1, days.length);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', days.map((d) => `${d.date}: ${d.views} views, ${d.reactions} reactions, ${d.posted} posted`).join('; '));
  const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' });
  days.forEach((day, i) => {
    const x = i * column;
    [[day.views, 'views'], [day.reactions, 'reactions']].forEach(([n, kind], j) => {
      const bar = document.createElementNS(ns, 'rect');
      const h = n === 0 ? 1 : Math.max(2, (80 * n) / max);
      bar.setAttribute('x', x + 8 + j * 14); bar.setAttribute('y', base - h);
      bar.setAttribute('width', 12); bar.setAttribute('height', h); bar.setAttribute('rx', 2);
      bar.setAttribute('class', kind);
      const title = document.createElementNS(ns, 'title');
      title.textContent = `${n} ${kind}`;
      bar.append(title);
      svg.append(bar);
    });
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', x + 8); label.setAttribute('y', base + 16);
    label.textContent = weekday.format(new Date(`${day.date}T00:00:00Z`));
    svg.append(label);
  });
  const legend = document.createElement('p');
  legend.className = 'legend';
  legend.innerHTML = '<span class="key views"></span> views <span class="key reactions"></span> reactions';
  $('stats').replaceChildren(totals, svg, legend);
}

// ---- live events ----
// EventSource cannot send headers, so each connection trades the token for a single-use ticket.
// A native retry would replay a spent ticket, so on any error we open a fresh EventSource with a new
// ticket and pass the last id we saw as ?last_event_id= (the stand-in for the Last-Event-ID header).
let lastEventId = null;
let retryDelay = 1000;

async function handleOf(storyId, userId) {
  if (state.handles.has(userId)) return `@${state.handles.get(userId)}`;
  try {
    const page = await api('GET', `/stories/${storyId}/viewers`);
    for (const v of page.items) state.handles.set(v.user_id, v.handle);
  } catch { /* the event still shows, without a name */ }
  return state.handles.has(userId) ? `@${state.handles.get(userId)}` : 'Someone';
}

function addLive(text) {
  $('live').prepend(el('li', {}, text));
  while ($('live').children.length > 20) $('live').lastChild.remove();
}

async function connectEvents() {
  if (!me()) return;
  let ticket;
  try {
    ticket = (await api('POST', '/events/ticket')).ticket;
  } catch (error) {
    $('live-state').textContent = `Live updates paused: ${error.message}`;
    setTimeout(connectEvents, error.retryAfter ? error.retryAfter * 1000 : retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30_000);
    return;
  }
  const resume = lastEventId ? `&last_event_id=${encodeURIComponent(lastEventId)}` : '';
  const source = new EventSource(`${apiBase()}/events?ticket=${encodeURIComponent(ticket)}${resume}`);
  state.events = source;
  source.onopen = () => { $('live-state').textContent = 'Connected: views and reactions appear here as they happen.'; retryDelay = 1000; };
  const remember = (e) => { if (e.lastEventId) lastEventId = e.lastEventId; return JSON.parse(e.data).payload; };
  source.addEventListener('story.viewed', async (e) => {
    const p = remember(e);
    addLive(`${await handleOf(p.story_id, p.viewer_id)} viewed your story`);
    refreshStoryQuietly(p.story_id);
  });
  source.addEventListener('story.reacted', async (e) => {
    const p = remember(e);
    addLive(`${await handleOf(p.story_id, p.user_id)} reacted ${p.emoji}`);
    refreshStoryQuietly(p.story_id);
  });
  source.addEventListener('reset', (e) => { remember(e); refreshMineQuietly(); });
  source.onerror = () => {
    source.close();
    if (state.events !== source) return;
    $('live-state').textContent = 'Live updates interrupted; reconnecting…';
    setTimeout(connectEvents, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30_000);
  };
}

function refreshMineQuietly() {
  loadFeed().then(loadStats).catch(() => {});
}

// The author's first feed page may be cached for a while; the story itself is always current, so a
// view or reaction updates the counts from GET /stories/{id}.
function refreshStoryQuietly(storyId) {
  api('GET', `/stories/${storyId}`).then((story) => {
    state.items = state.items.map((s) => (s.id === story.id ? story : s));
    renderMine();
    return loadStats();
  }).catch(() => {});
}

// ---- wiring ----
async function start() {
  await loadConfig();
  $('auth-form').addEventListener('submit', guarded(onAuth));
  $('post-form').addEventListener('submit', guarded(onPost));
  $('logout').addEventListener('click', logOut);
  $('refresh').addEventListener('click', guarded(() => loadFeed()));
  $('more').addEventListener('click', guarded(() => loadFeed(true)));
  $('viewer-close').addEventListener('click', () => $('viewer').close());
  $('prev').addEventListener('click', () => step(-1));
  $('next').addEventListener('click', () => step(1));
  $('follow').addEventListener('click', toggleFollow);
  $('viewer').addEventListener('close', () => renderRings());
  $('viewer').addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') step(-1);
    if (e.key === 'ArrowRight') step(1);
  });
  if (me()) await enter();
  document.body.dataset.ready = 'true';
}

guarded(start)();
