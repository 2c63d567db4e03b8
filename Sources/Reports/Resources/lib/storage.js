/* Glassbox front end: what the browser remembers between visits (localStorage, under "glassbox."). */
export const store = {
  get(key, fallback) {
    try {
      const v = localStorage.getItem("glassbox." + key);
      return v === null ? fallback : JSON.parse(v);
    } catch (e) { return fallback; }
  },
  set(key, value) {
    try {
      if (value === undefined) localStorage.removeItem("glassbox." + key);
      else localStorage.setItem("glassbox." + key, JSON.stringify(value));
    } catch (e) { /* private mode: nothing to remember */ }
  },
};
