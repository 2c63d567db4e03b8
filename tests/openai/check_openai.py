"""The official OpenAI Python client against `glassbox serve`'s /v1 endpoints.

Usage: check_openai.py BASE_URL GLASSBOX  (BASE_URL: the studio's address; GLASSBOX: the binary, whose
`generate --json` gives the reference text). Prints a PASS or FAIL line per check; exits 1 if any failed.
"""
import json
import math
import subprocess
import sys

import urllib.error
import urllib.request

import openai

base, glassbox = sys.argv[1].rstrip("/"), sys.argv[2]
client = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0, timeout=300)
failed = 0


def check(name, ok, detail=""):
    global failed
    print(("PASS " if ok else "FAIL ") + name + (" — " + str(detail)[:400] if detail else ""), flush=True)
    if not ok:
        failed += 1


def reference(prompt, chat, seed, temperature, top_p, max_tokens):
    """`glassbox generate --json` with the same model, prompt and sampling."""
    args = [glassbox, "generate", "--json", "--seed", str(seed), "--temperature", str(temperature), "--top-p", str(top_p),
            "--top-k", "0", "--min-p", "0", "--repeat-penalty", "1", "--max-tokens", str(max_tokens)]
    if chat:
        args.append("--chat")
    out = subprocess.run(args + [prompt], capture_output=True, text=True, timeout=300)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": out.stderr[-400:]}


# --- models
models = client.models.list()
ids = [m.id for m in models.data]
check("models.list names the bundled model", "bundled" in ids, ids[:5])
check("models.retrieve reads one model", client.models.retrieve("bundled").id == "bundled")
try:
    client.models.retrieve("no-such-model")
    check("an unknown model is a 404", False)
except openai.NotFoundError as e:
    check("an unknown model is a 404 in OpenAI's error shape", e.status_code == 404 and "no-such-model" in str(e.message), e.message)

# --- chat, whole
question = "What is the capital of France?"
seed, temperature, top_p, max_tokens = 1234, 0.7, 0.9, 24
r = client.chat.completions.create(model="bundled", messages=[{"role": "user", "content": question}], seed=seed,
                                   temperature=temperature, top_p=top_p, max_tokens=max_tokens)
text = r.choices[0].message.content
check("chat completion: an assistant message", r.object == "chat.completion" and r.choices[0].message.role == "assistant" and len(text) > 0, text)
check("chat completion: usage counts", r.usage.prompt_tokens > 5 and 0 < r.usage.completion_tokens <= max_tokens
      and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens, r.usage)
check("chat completion: a finish reason", r.choices[0].finish_reason in ("stop", "length"), r.choices[0].finish_reason)
extra = r.model_extra or {}
check("chat completion: a link to the studio's generate page", "/generate?" in extra.get("glassbox", {}).get("studio_url", ""), extra)
ref = reference(question, True, seed, temperature, top_p, max_tokens)
check("chat completion: the text of glassbox generate with the same seed", ref.get("text") == text, (ref.get("text"), text))
# the studio link's page generates through /api/generate with the link's query: the same text
link = extra.get("glassbox", {}).get("studio_url", "")
query = link.split("/generate?", 1)[-1]
with urllib.request.urlopen(base + "/api/generate?" + query, timeout=300) as events:
    lines = events.read().decode().splitlines()
done = [json.loads(l[6:]) for i, l in enumerate(lines) if l.startswith("data: ") and i > 0 and lines[i - 1] == "event: done"]
check("the studio link's settings generate the same text in the studio", bool(done) and done[0].get("text") == text, (done[0].get("text") if done else lines[-3:], text))

# --- chat, streamed
stream = client.chat.completions.create(model="bundled", messages=[{"role": "user", "content": question}], seed=seed,
                                        temperature=temperature, top_p=top_p, max_tokens=max_tokens, stream=True,
                                        stream_options={"include_usage": True})
pieces, finish, usage, roles, chunks = [], None, None, [], 0
for chunk in stream:
    chunks += 1
    if chunk.usage:
        usage = chunk.usage
    for c in chunk.choices:
        if c.delta.role:
            roles.append(c.delta.role)
        if c.delta.content:
            pieces.append(c.delta.content)
        if c.finish_reason:
            finish = c.finish_reason
streamed = "".join(pieces)
check("streamed chat: the role first, then the text in pieces", roles == ["assistant"] and len(pieces) > 3, (roles, len(pieces)))
check("streamed chat: identical to glassbox generate with the same seed", streamed == ref.get("text"), (streamed, ref.get("text")))
check("streamed chat: a finish reason and the usage", finish in ("stop", "length") and usage is not None
      and usage.completion_tokens == len(ref.get("ids", [])), (finish, usage))

# --- logprobs
r = client.chat.completions.create(model="bundled", messages=[{"role": "user", "content": question}], temperature=0,
                                   max_tokens=8, logprobs=True, top_logprobs=3)
content = r.choices[0].logprobs.content
ok = len(content) > 0 and all(len(t.top_logprobs) == 3 and t.logprob <= 0 for t in content)
# greedy: the chosen token is the most likely one, and its logprob is the first alternative's
ok = ok and all(abs(t.logprob - t.top_logprobs[0].logprob) < 1e-5 and t.token == t.top_logprobs[0].token for t in content)
total = sum(math.exp(a.logprob) for a in content[0].top_logprobs)
check("logprobs: each token with its top 3, greedy picks the first", ok and total <= 1.0001, [(t.token, round(t.logprob, 3)) for t in content][:4])
check("logprobs: the tokens' bytes make the text", bytes(b for t in content for b in t.bytes).decode("utf-8", "replace") == r.choices[0].message.content,
      r.choices[0].message.content)

# --- completions (legacy), whole and streamed
prompt = "The capital of France is"
c = client.completions.create(model="bundled", prompt=prompt, max_tokens=6, temperature=0, logprobs=2)
ref = reference(prompt, False, 0, 0, 1, 6)
check("completion: the text of glassbox generate (greedy)", c.choices[0].text == ref.get("text"), (c.choices[0].text, ref.get("text")))
check("completion: logprobs per token", len(c.choices[0].logprobs.tokens) == len(ref.get("ids", [])) and all(len(t) <= 2 for t in c.choices[0].logprobs.top_logprobs),
      c.choices[0].logprobs.tokens)
s = "".join(ch.choices[0].text for ch in client.completions.create(model="bundled", prompt=prompt, max_tokens=6, temperature=0, stream=True) if ch.choices)
check("streamed completion: the same text", s == ref.get("text"), (s, ref.get("text")))

# --- stop
r = client.chat.completions.create(model="bundled", messages=[{"role": "user", "content": "Count from 1 to 10, separated by commas."}],
                                   temperature=0, max_tokens=40, stop=[", 4"])
check("stop: the text ends before the stop string", ", 4" not in r.choices[0].message.content and r.choices[0].finish_reason == "stop",
      r.choices[0].message.content)

# --- errors in OpenAI's shape
for name, kwargs, param in [
    ("an unsupported parameter (n = 2)", {"n": 2}, "n"),
    ("tools", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, "tools"),
    ("an unknown field", {"extra_body": {"frobnicate": 1}}, "frobnicate"),
    ("a temperature out of range", {"temperature": 3}, "temperature"),
    ("a penalty the sampler does not have", {"presence_penalty": 0.5}, "presence_penalty"),
]:
    try:
        client.chat.completions.create(model="bundled", messages=[{"role": "user", "content": "Hi"}], max_tokens=2, **kwargs)
        check("400 for " + name, False, "accepted")
    except openai.BadRequestError as e:
        body = e.body if isinstance(e.body, dict) else {}
        check("400 for " + name + ", naming the parameter", e.status_code == 400 and body.get("param") == param
              and body.get("type") == "invalid_request_error", (body.get("param"), e.message))
try:
    client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "Hi"}])
    check("404 for an unknown model", False)
except openai.NotFoundError as e:
    check("404 for an unknown model", e.status_code == 404, e.message)

# --- the internals extension
r = client.chat.completions.create(model="bundled", messages=[{"role": "user", "content": question}], temperature=0, max_tokens=3,
                                   extra_body={"glassbox": {"internals": ["lens", "attention", "dla"], "top_k": 3, "layers": [0]}})
g = (r.choices[0].model_extra or {}).get("glassbox", {})
tokens = g.get("tokens", [])
check("internals: one entry per returned token", len(tokens) == r.usage.completion_tokens, len(tokens))
if tokens:
    t = tokens[0]
    lens = t.get("logit_lens") or []
    check("internals: the logit lens of every layer, its last row's top token the chosen one",
          len(lens) >= 2 and lens[-1]["top"][0][0] == t["id"], [l.get("layer") for l in lens][:3])
    att = t.get("attention") or []
    row = att[0]["pattern"][0][0] if att else []
    check("internals: attention of layer 0 as the choosing position's row, summing to 1",
          len(att) == 1 and att[0]["layer"] == 0 and len(att[0]["pattern"][0]) == 1 and abs(sum(row) - 1) < 1e-3 and len(row) == t["position"] + 1,
          (len(att), len(row), t.get("position")))
    dla = t.get("direct_logit_attribution") or {}
    check("internals: direct logit attribution for the chosen token, per layer", dla.get("target_id") == t["id"]
          and len(dla.get("attention", [])) == len(dla.get("mlp", [])) == len(lens) - 1, {k: dla.get(k) for k in ("target_id", "logit")})
stream = client.chat.completions.create(model="bundled", messages=[{"role": "user", "content": question}], temperature=0, max_tokens=3, stream=True,
                                        extra_body={"glassbox": {"internals": ["lens"]}})
streamed_internals = [x for ch in stream for c in ch.choices for x in ((c.model_extra or {}).get("glassbox", {}).get("tokens", []))]
check("internals while streaming: each token's chunk carries its lens", len(streamed_internals) == 3 and all(x.get("logit_lens") for x in streamed_internals),
      len(streamed_internals))

# --- a raw request without JSON: a 415 in OpenAI's shape
form = urllib.request.Request(base + "/v1/chat/completions", data=b"model=bundled", method="POST",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
try:
    urllib.request.urlopen(form, timeout=30)
    check("a form post is refused (415)", False, "accepted")
except urllib.error.HTTPError as e:
    body = json.loads(e.read() or b"{}")
    check("a form post is refused (415), in OpenAI's shape", e.code == 415 and "message" in body.get("error", {}), body)

print(f"{failed} failed", flush=True)
sys.exit(1 if failed else 0)
