// Writes golden/<template>.json: every conversation below rendered by
// llama.cpp with each chat template in templates/, through the llamacpp-chat
// driver (llamacpp-chat.cpp, built against the llama.cpp libraries that
// node-llama-cpp ships; see README.md). Each case records two renderings:
//   jinja:  common_chat_templates_apply with use_jinja = true, the default of
//           llama-cli and llama-server: the template itself, run by llama.cpp's
//           Jinja engine, with llama.cpp's workarounds (system messages merged
//           into the next message for templates without a system role).
//   legacy: the same call with use_jinja = false (--no-jinja), which goes
//           through llama_chat_apply_template's built-in formats.
// Either is {"text": …} or {"error": …} when llama.cpp refuses.
//
// Usage: node golden-llamacpp-chat.mjs <llamacpp-chat binary> <out dir>
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [driver, outDir] = process.argv.slice(2);
if (!driver || !outDir) {
  console.error("usage: node golden-llamacpp-chat.mjs <llamacpp-chat binary> <out dir>");
  process.exit(2);
}

// SmolLM3's template prints the day it is rendered; the driver reports this
// instant (2025-07-08 12:00 UTC) to llama.cpp's strftime_now.
const fixedTime = 1751976000;
const fixedDate = "2025-07-08";

// Tokens the templates refer to, and whether the model's vocabulary adds BOS
// itself. llama.cpp takes both from the model; the driver loads none, so the
// BOS that llama.cpp would strip (common_chat_template_direct_apply_impl drops
// a leading bos_token when the vocabulary adds BOS) is stripped here.
const models = {
  "gemma2": { bos: "<bos>", eos: "<eos>", addBOS: true },
  "gemma3": { bos: "<bos>", eos: "<eos>", addBOS: true },
  "phi3-mini": { bos: "<s>", eos: "<|endoftext|>", addBOS: true },
  "phi3.5-mini": { bos: "<s>", eos: "<|endoftext|>", addBOS: true },
  "phi4-mini": { bos: "<|endoftext|>", eos: "<|endoftext|>", addBOS: false },
  "qwen3": { bos: "", eos: "<|im_end|>", addBOS: false },
  "smollm3": { bos: "", eos: "<|im_end|>", addBOS: false },
  "smollm3-unsloth": { bos: "", eos: "<|im_end|>", addBOS: false },
};

const S = (content) => ({ role: "system", content });
const U = (content) => ({ role: "user", content });
const A = (content) => ({ role: "assistant", content });

const cases = [
  { name: "system and user", messages: [S("You are a helpful assistant."), U("Hello")] },
  { name: "user only", messages: [U("Hi")] },
  { name: "no generation prompt", messages: [S("Be brief."), U("Hello")], addGenerationPrompt: false },
  { name: "multi-turn", messages: [S("You are a helpful assistant"), U("Hello"), A("Hi there"), U("Who are you"), A("   I am an assistant   "), U("Another question")] },
  { name: "white space around content", messages: [S("  Answer in French.  \n"), U("\n  Summarize: the cat sat.  \n")] },
  { name: "empty system", messages: [S(""), U("Hello")] },
  { name: "unicode and markup", messages: [S("Réponds en français 🇫🇷."), U("<b>bold</b> and <|im_end|> text\n\n  indented\tTab")] },
  { name: "thinking off", messages: [S("You are a helpful assistant."), U("Hello")], enableThinking: false },
  { name: "thinking off, multi-turn", messages: [S("Be brief."), U("Hello"), A("Hi there"), U("Why?")], enableThinking: false },
  { name: "user only, thinking off", messages: [U("Hi")], enableThinking: false },
  { name: "reasoning in history", messages: [U("2+2?"), A("<think>\nadd them\n</think>\n\n4"), U("And 3+3?")] },
  { name: "answer last", messages: [U("2+2?"), A("4")], addGenerationPrompt: false },
  { name: "think flag in system", messages: [S("/no_think Be brief."), U("Hello")] },
  { name: "think flag overrides switch", messages: [S("Be brief. /think"), U("Hello")], enableThinking: false },
  { name: "system override", messages: [S("/system_override You are a pirate.  "), U("Hello")] },
  { name: "assistant first", messages: [A("Welcome!"), U("Hello")] },
  { name: "system after a turn", messages: [U("Hello"), A("Hi"), S("Now answer in French."), U("Bye")] },
  { name: "two user turns", messages: [U("Hello"), U("Again")] },
  { name: "system only", messages: [S("Be brief.")] },
  { name: "two system messages", messages: [S("Be brief."), S("Use French."), U("Hello")] },
];

function field(s) {
  const b = Buffer.from(String(s), "utf8");
  return Buffer.concat([Buffer.from(`${b.length}\n`), b]);
}

function render(template, model, c, useJinja) {
  const msgs = c.messages;
  const input = Buffer.concat([
    field(template), field(model.bos), field(model.eos),
    field(useJinja ? 1 : 0), field(c.addGenerationPrompt === false ? 0 : 1), field(c.enableThinking === false ? 0 : 1),
    field(msgs.length), ...msgs.flatMap((m) => [field(m.role), field(m.content)]),
  ]);
  const r = spawnSync(driver, { input, env: { ...process.env, HEED_FIXED_TIME: String(fixedTime), TZ: "UTC" } });
  if (r.status !== 0) throw new Error(`driver exited ${r.status}: ${r.stderr}`);
  const out = r.stdout;
  const nl1 = out.indexOf(10), nl2 = out.indexOf(10, nl1 + 1);
  const status = out.subarray(0, nl1).toString();
  let text = out.subarray(nl2 + 1, nl2 + 1 + Number(out.subarray(nl1 + 1, nl2).toString())).toString("utf8");
  if (status !== "ok") return { error: text };
  if (model.addBOS && model.bos && text.startsWith(model.bos)) text = text.slice(model.bos.length);
  return { text };
}

for (const file of readdirSync(new URL("templates", import.meta.url)).filter((f) => f.endsWith(".jinja")).sort()) {
  const name = file.replace(/\.jinja$/, "");
  const model = models[name];
  if (!model) throw new Error(`no model entry for ${file}`);
  const template = readFileSync(new URL(`templates/${file}`, import.meta.url), "utf8");
  const out = cases.map((c) => ({
    name: c.name,
    messages: c.messages,
    addGenerationPrompt: c.addGenerationPrompt !== false,
    enableThinking: c.enableThinking !== false,
    date: fixedDate,
    jinja: render(template, model, c, true),
    legacy: render(template, model, c, false),
  }));
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify({
    source: "llama.cpp v0.4.0 (node-llama-cpp 3.21.1 prebuilt libllama-common) common_chat_templates_apply via llamacpp-chat.cpp",
    template: `templates/${file}`,
    bosStripped: model.addBOS ? model.bos : "",
    cases: out,
  }, null, 1) + "\n");
}
