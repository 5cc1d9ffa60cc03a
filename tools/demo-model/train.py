#!/usr/bin/env python3
"""Train MetalCore's embedded demo model: a ~4M-parameter Llama on our synthetic stories.

Steps (all seeded):
  1. byte-level BPE tokenizer (tokenizers library) trained on corpus/train.txt,
     special tokens <|bos|>=0, <|eos|>=1, <|pad|>=2; encoding adds <|bos|> in front.
  2. LlamaForCausalLM trained from scratch on the GPU with bf16 autocast; every training row
     starts at a story's <|bos|> and packs whole stories ([bos] story [eos] [bos] ...).
  3. export: weights rounded to float16 (what an F16 GGUF holds), saved with save_pretrained
     in float16 + tokenizer files; then the saved model is reloaded in float32 on the CPU
     (eager attention, deterministic algorithms) to record reference.json: greedy
     continuations of fixed prompts, last-position logits of each prompt and the held-out
     perplexity (definition written into reference.json).

Usage: python3 train.py --corpus corpus --out out [--steps 3000] [--max-seconds 250] [--smoke]
"""

import argparse
import json
import math
import os
import platform
import random
import shutil
import time

import numpy
import safetensors
import tokenizers
import torch
import torch.nn.functional as F
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

SEED = 1234
SPECIALS = ["<|bos|>", "<|eos|>", "<|pad|>"]  # ids 0, 1, 2 (trainer adds them first)
BOS, EOS, PAD = 0, 1, 2
VOCAB = 2048
CONTEXT = 512
# ~4.06M parameters: F16 GGUF about 8 MB. hidden and intermediate are multiples of 256 so
# k-quant block sizes fit if the lead quantizes later; head_dim 32; GQA 8 query / 4 kv heads.
MODEL = dict(hidden_size=256, intermediate_size=512, num_hidden_layers=6, num_attention_heads=8,
             num_key_value_heads=4, head_dim=32, rms_norm_eps=1e-5, tie_word_embeddings=True)
ROPE = {"rope_type": "default", "rope_theta": 10000.0}
PROMPTS = [
    "Once upon a time, there was a little girl named Lily.",
    "Tom had a red ball that he loved very much.",
    "One sunny day, a brave fox called Pip woke up early.",
    "\"Can I play with your ball?\" asked Ben.",
]
N_GREEDY = 64
CHAT_TEMPLATE = ("{{ bos_token }}{% for message in messages %}{{ message['content'] }}"
                 "{% if not loop.last %} {% endif %}{% endfor %}")


def log(*args):
    print(f"[{time.strftime('%H:%M:%S')}]", *args, flush=True)


def seed_everything(seed):
    random.seed(seed)
    numpy.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def train_tokenizer(train_path):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)  # GPT-2 split
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, min_frequency=2, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train([train_path], trainer)
    assert [tok.token_to_id(s) for s in SPECIALS] == [BOS, EOS, PAD]
    # Encoding with special tokens prepends <|bos|>, as llama.cpp's add_bos_token does.
    tok.post_processor = processors.TemplateProcessing(single="<|bos|> $A", pair="<|bos|> $A <|bos|> $B",
                                                       special_tokens=[("<|bos|>", BOS)])
    return tok


def write_tokenizer_files(tok, out):
    tok.save(os.path.join(out, "tokenizer.json"))
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": SPECIALS[BOS],
              "eos_token": SPECIALS[EOS], "pad_token": SPECIALS[PAD], "unk_token": None,
              "add_bos_token": True, "add_eos_token": False, "model_max_length": CONTEXT,
              "clean_up_tokenization_spaces": False, "chat_template": CHAT_TEMPLATE}
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")


def read_lines(path, limit=None):
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    return lines[:limit] if limit else lines


def token_stream(tok, stories):
    """[bos] story [eos] for every story, concatenated; and where each story starts."""
    encoded = tok.encode_batch(stories, add_special_tokens=False)
    pieces, starts, at = [], [], 0
    for e in encoded:
        ids = [BOS] + e.ids + [EOS]
        pieces.append(ids)
        starts.append(at)
        at += len(ids)
    stream = numpy.fromiter((t for p in pieces for t in p), dtype=numpy.int64, count=at)
    return torch.from_numpy(stream), torch.tensor(starts)


def make_model(vocab_size):
    config = LlamaConfig(vocab_size=vocab_size, max_position_embeddings=CONTEXT, hidden_act="silu",
                         bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD, attention_bias=False,
                         mlp_bias=False, rope_parameters=dict(ROPE), **MODEL)
    config._attn_implementation = "sdpa"  # fast fused attention for training only
    return LlamaForCausalLM(config)


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))  # cosine to 10%


def train(model, stream, starts, held_stream, held_starts, args):
    dev = torch.device("cuda")
    model.to(dev).train()
    stream, held_stream = stream.to(dev), held_stream.to(dev)
    T = CONTEXT
    starts = starts[starts + T + 1 <= len(stream)].to(dev)
    held_starts = held_starts[held_starts + T + 1 <= len(held_stream)].to(dev)
    offsets = torch.arange(T + 1, device=dev)
    gen = torch.Generator(device=dev).manual_seed(SEED)

    def batch(src, src_starts, n, g):
        rows = src[src_starts[torch.randint(len(src_starts), (n,), device=dev, generator=g)][:, None] + offsets]
        return rows[:, :-1], rows[:, 1:]

    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8, fused=True)
    held_gen = torch.Generator(device=dev).manual_seed(SEED + 1)
    held_x, held_y = batch(held_stream, held_starts, 32, held_gen)  # one fixed held-out batch

    curve, t0, ema, step = [], time.time(), None, 0
    for step in range(args.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args.steps, args.lr, args.warmup)
        x, y = batch(stream, starts, args.batch, gen)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(input_ids=x).logits
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        value = loss.item() if (step % 10 == 0 or step == args.steps - 1) else None
        if value is not None:
            ema = value if ema is None else 0.9 * ema + 0.1 * value
        if step % args.eval_every == 0 or step == args.steps - 1:
            model.eval()
            with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
                hl = model(input_ids=held_x).logits
            held = F.cross_entropy(hl.float().reshape(-1, hl.shape[-1]), held_y.reshape(-1)).item()
            model.train()
            elapsed = time.time() - t0
            curve.append({"step": step, "train_loss": round(loss.item(), 4), "train_loss_ema": round(ema, 4),
                          "heldout_loss": round(held, 4), "seconds": round(elapsed, 1)})
            log(f"step {step} loss {loss.item():.4f} ema {ema:.4f} heldout {held:.4f} "
                f"lr {opt.param_groups[0]['lr']:.2e} {elapsed:.0f}s ({elapsed / (step + 1) * 1000:.0f} ms/step)")
            if elapsed > args.max_seconds:
                log(f"time cap {args.max_seconds}s reached at step {step}: stopping early")
                break
    return curve, step + 1, time.time() - t0


@torch.no_grad()
def reference_record(out, tok, held_stories, curve, steps_done, train_seconds, args, corpus_info):
    """Reload the saved float16 files in float32 on the CPU and record what they compute."""
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.ref_threads)
    model = LlamaForCausalLM.from_pretrained(out, dtype=torch.float32, attn_implementation="eager").eval()
    assert model.config._attn_implementation == "eager"
    # The saved generation_config.json names <|eos|>; the reference run must not stop on it
    # (generate() may fill unset fields from the model's own generation config).
    model.generation_config.eos_token_id = None

    greedy, last_logits = [], []
    gen_config = GenerationConfig(do_sample=False, num_beams=1, max_new_tokens=N_GREEDY,
                                  eos_token_id=None, bos_token_id=BOS, pad_token_id=PAD)
    for text in PROMPTS:
        ids = tok.encode(text).ids  # adds <|bos|>
        assert ids[0] == BOS
        x = torch.tensor([ids])
        mask = torch.ones_like(x)
        last_logits.append(model(input_ids=x, attention_mask=mask).logits[0, -1].float())
        new = [int(t) for t in model.generate(input_ids=x, attention_mask=mask, generation_config=gen_config)[0, len(ids):]]
        first_eos = new.index(EOS) if EOS in new else None
        assert len(new) == N_GREEDY, f"generate returned {len(new)} tokens"
        greedy.append({"prompt": text, "prompt_ids": ids, "greedy_ids": new,
                       "first_eos_index": first_eos,
                       "text": tok.decode(new[:first_eos] if first_eos is not None else new, skip_special_tokens=False)})
        log(f"greedy: {text!r} -> {greedy[-1]['text']!r}")
    stacked = torch.stack(last_logits)
    stacked.numpy().astype("<f4").tofile(os.path.join(out, "logits_prompts.f32"))

    nll_sum, n_tok, nll_text, n_text, per_story = 0.0, 0, 0.0, 0, []
    for story in held_stories:
        ids = [BOS] + tok.encode(story, add_special_tokens=False).ids + [EOS]
        assert len(ids) - 1 <= CONTEXT, "story longer than the context"
        logits = model(input_ids=torch.tensor([ids[:-1]])).logits[0].float()
        nll = F.cross_entropy(logits, torch.tensor(ids[1:]), reduction="none").double()
        nll_sum += float(nll.sum())
        n_tok += len(ids) - 1
        nll_text += float(nll[:-1].sum())
        n_text += len(ids) - 2
        if len(per_story) < 5:
            per_story.append({"tokens": len(ids) - 1, "nll_sum": float(nll.sum())})
    ppl = math.exp(nll_sum / n_tok)
    log(f"held-out perplexity {ppl:.4f} over {n_tok} tokens of {len(held_stories)} stories")

    record = {
        "model": "metalcore-demo",
        "architecture": "LlamaForCausalLM",
        "parameters": sum(p.numel() for p in model.parameters()),
        "config": {**MODEL, "vocab_size": model.config.vocab_size, "max_position_embeddings": CONTEXT,
                   "rope_parameters": ROPE},
        "weights": "float16 (rounded from the float32 training weights); reference math in float32",
        "reference_settings": {"device": "cpu", "dtype": "float32", "attn_implementation": "eager",
                               "threads": args.ref_threads, "deterministic_algorithms": True},
        "tokenizer": {"type": "byte-level BPE (GPT-2 pre-tokenizer regex, no prefix space)",
                      "vocab_size": tok.get_vocab_size(), "bos": [SPECIALS[BOS], BOS],
                      "eos": [SPECIALS[EOS], EOS], "pad": [SPECIALS[PAD], PAD], "adds_bos": True},
        "greedy": greedy,
        "greedy_how": f"model.generate(do_sample=False, num_beams=1, max_new_tokens={N_GREEDY}); generation does "
                      "NOT stop at <|eos|> (all 64 tokens recorded); 'text' is decoded up to the first <|eos|>",
        "logits_prompts": {"file": "logits_prompts.f32", "shape": [len(PROMPTS), model.config.vocab_size],
                           "dtype": "float32", "byte_order": "little",
                           "rows": "logits at the last prompt position (prompt_ids incl. <|bos|>) for each prompt"},
        "heldout_perplexity": {
            "value": ppl, "text_tokens_only_value": math.exp(nll_text / n_text),
            "nll_sum": nll_sum, "scored_tokens": n_tok, "stories": len(held_stories),
            "file": "heldout.txt",
            "how": "Each line of heldout.txt is one story. ids = [<|bos|>] + encode(line, no special tokens) "
                   "+ [<|eos|>]; one forward pass over ids[:-1] from position 0 (fresh context per story, "
                   "every story fits in the 512 context); every token of ids[1:] is scored, i.e. all text "
                   "tokens and the final <|eos|>, never the <|bos|>. value = exp(sum of natural-log NLL / "
                   "scored_tokens) over all stories. text_tokens_only_value leaves the <|eos|> term out.",
            "first_stories": per_story},
        "training": {"seed": SEED, "steps": steps_done, "seconds": round(train_seconds, 1),
                     "batch_rows": args.batch, "row_tokens": CONTEXT, "peak_lr": args.lr, "warmup": args.warmup,
                     "schedule": "linear warmup then cosine to 10% of peak", "optimizer":
                     "AdamW betas (0.9, 0.95) eps 1e-8, weight decay 0.1 on matrices, grad clip 1.0",
                     "precision": "bf16 autocast, float32 master weights, sdpa attention",
                     "rows": "start at a random story's <|bos|>, 513 tokens of packed [bos] story [eos] ...",
                     "loss_curve": curve},
        "corpus": corpus_info,
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                     "safetensors": safetensors.__version__, "numpy": numpy.__version__,
                     "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
        "made_by": "tools/demo-model/train.py",
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    return record


def check_with_transformers_tokenizer(out, tok):
    """The tokenizer files must load through transformers too (as a user would load them)."""
    try:
        auto = transformers.AutoTokenizer.from_pretrained(out)
        ids = auto(PROMPTS[0])["input_ids"]
        same = ids == tok.encode(PROMPTS[0]).ids
        log(f"AutoTokenizer: {type(auto).__name__}, same ids as tokenizer.json: {same}")
        return same
    except Exception as e:  # recorded, not fatal: the C# side reads tokenizer.json directly
        log(f"AutoTokenizer failed: {e!r}")
        return False


def main():
    ap = argparse.ArgumentParser(description="train the MetalCore demo model")
    ap.add_argument("--corpus", required=True, help="folder with train.txt and heldout.txt (make_corpus.py)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--max-seconds", type=float, default=250, help="stop training early past this (safety cap)")
    ap.add_argument("--ref-threads", type=int, default=8)
    ap.add_argument("--smoke", action="store_true", help="tiny run of the whole pipeline (2000 stories, 30 steps)")
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.eval_every, args.warmup = 30, 10, 5
    seed_everything(SEED)
    torch.backends.cuda.matmul.allow_tf32 = True  # training only; the reference runs on the CPU
    os.makedirs(args.out, exist_ok=True)

    t0 = time.time()
    train_path, held_path = os.path.join(args.corpus, "train.txt"), os.path.join(args.corpus, "heldout.txt")
    stories = read_lines(train_path, 2000 if args.smoke else None)
    held = read_lines(held_path, 50 if args.smoke else None)
    tok = train_tokenizer(train_path)
    write_tokenizer_files(tok, args.out)
    stream, starts = token_stream(tok, stories)
    held_stream, held_starts = token_stream(tok, held)
    log(f"tokenizer vocab {tok.get_vocab_size()}; train {len(stories)} stories = {len(stream)} tokens; "
        f"held-out {len(held)} stories = {len(held_stream)} tokens; {time.time() - t0:.1f}s")

    model = make_model(tok.get_vocab_size())
    log(f"parameters: {sum(p.numel() for p in model.parameters())}")
    curve, steps_done, seconds = train(model, stream, starts, held_stream, held_starts, args)

    # Export: round to float16 (what an F16 GGUF stores) and save in float16.
    model = model.to("cpu").to(torch.float16).eval()
    model.config._attn_implementation = "eager"
    model.save_pretrained(args.out)
    shutil.copyfile(held_path, os.path.join(args.out, "heldout.txt"))
    if args.smoke:  # the smoke run scores only the stories it read
        with open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(held) + "\n")
    corpus_info = {"generator": "tools/demo-model/make_corpus.py", "train_stories": len(stories),
                   "train_tokens": len(stream), "heldout_stories": len(held), "heldout_tokens": len(held_stream)}
    record = reference_record(args.out, tok, held, curve, steps_done, seconds, args, corpus_info)
    record["auto_tokenizer_agrees"] = check_with_transformers_tokenizer(args.out, tok)
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    log(f"done in {time.time() - t0:.0f}s; files: {sorted(os.listdir(args.out))}")


if __name__ == "__main__":
    main()
