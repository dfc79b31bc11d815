/* safetensors parsing, the tensor table and binding: the input is the weights
   file, the config is fixed (tests/data/m1-odd-f32's: 37 wide, 2 layers,
   vocab 61, tied, F32), so a header that names the right tensors loads and
   then runs. */
#define FUZZ_NAME "safetensors"
#include "fuzz.h"

static const char config[] =
    "{\n"
    "  \"architectures\": [\n"
    "    \"MambaForCausalLM\"\n"
    "  ],\n"
    "  \"model_type\": \"mamba\",\n"
    "  \"hidden_size\": 37,\n"
    "  \"num_hidden_layers\": 2,\n"
    "  \"state_size\": 7,\n"
    "  \"expand\": 2,\n"
    "  \"intermediate_size\": 74,\n"
    "  \"conv_kernel\": 4,\n"
    "  \"time_step_rank\": \"auto\",\n"
    "  \"use_bias\": false,\n"
    "  \"use_conv_bias\": true,\n"
    "  \"layer_norm_epsilon\": 1e-05,\n"
    "  \"hidden_act\": \"silu\",\n"
    "  \"residual_in_fp32\": true,\n"
    "  \"vocab_size\": 61,\n"
    "  \"tie_word_embeddings\": true,\n"
    "  \"bos_token_id\": 0,\n"
    "  \"eos_token_id\": 0,\n"
    "  \"pad_token_id\": 0,\n"
    "  \"torch_dtype\": \"float32\"\n"
    "}\n";

static void fuzz_init(void) {}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int toks[3] = {0, 5, 60};
    mamba_options opts;
    mamba_model *m;
    mamba_state *s;
    mamba_error err;
    float logits[3 * 61];
    memset(&opts, 0, sizeof opts);   /* header, depth, tensors: small caps */
    opts.max_json_bytes = 1 << 20;
    opts.max_json_depth = 16;
    opts.max_tensors = 4096;
    opts.validate_weights = (int)(size & 1);
    if (mamba_model_load_memory(&m, data, size, config, strlen(config), &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(m == NULL && err.status != MAMBA_OK && err.message[0]);
        return 0;
    }
    FUZZ_CHECK(mamba_model_config(m)->vocab_size == 61);
    if (mamba_state_new(&s, m, 2) == MAMBA_OK) {   /* chunk 2: forward crosses a chunk edge */
        FUZZ_CHECK(mamba_step(m, s, 7, logits) == MAMBA_OK);
        FUZZ_CHECK(mamba_forward(m, s, toks, 3, logits, MAMBA_LOGITS_ALL) == MAMBA_OK);
        mamba_state_free(s);
    }
    mamba_model_free(m);
    return 0;
}
