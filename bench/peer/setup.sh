#!/bin/bash
# Make everything bench/peer/run.sh needs in SCRATCH (outside the repository):
# the patched llama.cpp build, random 130m/1.4b checkpoints, and the GGUF files.
#
# usage: bench/peer/setup.sh SCRATCH LLAMA_GIT_DIR TOKENIZER_JSON     (from the repository root)
#   LLAMA_GIT_DIR   a clone (or bare git dir) of github.com/ggerganov/llama.cpp holding commit c392e5094
#   TOKENIZER_JSON  GPT-NeoX-20B tokenizer.json (only copied into the HF directories)
# needs: cmake, g++, /usr/bin/python3 with Debian's python3-numpy python3-torch python3-tqdm
#        (python3-sentencepiece, python3-yaml); about 20 GB of disk; ~25 min on 2 loaded vCPUs.
# Each step is skipped when its output exists, so the script can be re-run after a failure.
set -eu
S=${1:?usage: setup.sh SCRATCH LLAMA_GIT_DIR TOKENIZER_JSON}; G=${2:?}; TOK=${3:?}
P=$(cd "$(dirname "$0")" && pwd); REPO=$(pwd)
LC=c392e5094
mkdir -p "$S"; S=$(cd "$S" && pwd); cd "$S"
PY=/usr/bin/python3
if [ ! -f llama.cpp/COMMIT ]; then
  # `git archive` of the whole tree fails in a partial mirror (models/ggml-vocab-aquila.gguf blob
  # missing): take every top-level entry but models/, then the one vocab the converter needs
  mkdir -p llama.cpp/models
  git --git-dir="$G" archive $LC $(git --git-dir="$G" ls-tree --name-only $LC | grep -v '^models$') | tar -x -C llama.cpp
  git --git-dir="$G" cat-file blob $LC:models/ggml-vocab-gpt-neox.gguf > llama.cpp/models/ggml-vocab-gpt-neox.gguf
  (cd llama.cpp && patch -p1 < "$P/llama-quant.patch" && patch -p1 < "$P/convert.patch")
  echo $LC > llama.cpp/COMMIT
fi
if [ ! -x llama.cpp/build/bin/llama-bench ]; then
  (cd llama.cpp && nice -n 10 cmake -B build -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF >/dev/null &&
   nice -n 10 cmake --build build -j2 --target llama-bench llama-simple llama-quantize)
fi
mkdir -p pystub/safetensors gguf logs models
cp "$P/safetensors_stub.py" pystub/safetensors/__init__.py
for s in 130m 1.4b; do
  [ -f models/m$s/model.safetensors ] || nice -n 10 $PY "$P/mkmodels.py" $s models/m$s "$TOK"
done
(cd "$REPO" && nice -n 10 make build/mamba-quantize build/mamba-generate >/dev/null)
export PYTHONPATH=$S/pystub:$S/llama.cpp/gguf-py
for s in 130m 1.4b; do
  # the converter's gpt2 vocab path needs `transformers` (not in Debian): a view directory without
  # tokenizer.json makes it take the built-in GPT-NeoX vocab (models/ggml-vocab-gpt-neox.gguf)
  mkdir -p models/m$s-notok; ln -sf ../m$s/config.json ../m$s/model.safetensors models/m$s-notok/
  src=f32; [ $s = 1.4b ] && src=f16     # the 1.4b F32 file (5.6 GB) is skipped: quantize from F16
  for t in $src f16; do
    [ -f gguf/lc-$s-${t^^}.gguf ] || nice -n 10 $PY llama.cpp/convert_hf_to_gguf.py models/m$s-notok --outtype $t \
      --outfile gguf/lc-$s-${t^^}.gguf > logs/conv-$s-$t.log 2>&1
  done
  for q in Q8_0 Q4_0 Q4_K_M Q6_K; do
    [ -f gguf/lc-$s-$q.gguf ] || nice -n 10 llama.cpp/build/bin/llama-quantize gguf/lc-$s-${src^^}.gguf gguf/lc-$s-$q.gguf $q 2 \
      > logs/quant-$s-$q.log 2>&1
  done
  for q in Q8_0 Q4_0 Q4_K; do
    [ -f gguf/mh-$s-$q.gguf ] || nice -n 10 "$REPO/build/mamba-quantize" models/m$s gguf/mh-$s-$q.gguf $q > logs/mhq-$s-$q.log 2>&1
  done
done
ls -la gguf
