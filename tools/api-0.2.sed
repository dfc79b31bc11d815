# Renames the public API of mamba.h 0.1 to 0.2 (object-verb names, byte
# counts in _bytes, read/write for saved states). For your own code:
#   sed -E -i -f tools/api-0.2.sed yourfile.c
# Calls whose arguments changed still need a hand edit afterwards:
#   mamba_tokenizer_load_file/_json/_gguf take (out, path or bytes[, len], options, err);
#   mamba_sampler_init takes a const mamba_sampler_params * (zero value = defaults);
#   mamba_state_init takes a trailing mamba_error * (may be NULL).
s/\bmamba_load_file\b/mamba_model_load_file/g
s/\bmamba_load_memory\b/mamba_model_load_memory/g
s/\bmamba_free\b/mamba_model_free/g
s/\bmamba_get_config\b/mamba_model_config/g
s/\bmamba_weight_bytes\b/mamba_model_weight_bytes/g
s/\bmamba_state_save_size\b/mamba_state_write_bytes/g
s/\bmamba_state_size\b/mamba_state_bytes/g
s/\bmamba_scratch_size\b/mamba_scratch_bytes/g
s/\bmamba_state_save\b/mamba_state_write/g
s/\bmamba_state_load\b/mamba_state_read/g
s/\bMAMBA_STATE_SAVE_VERSION\b/MAMBA_STATE_FORMAT_VERSION/g
s/\bmamba_sampler_size\b/mamba_sampler_bytes/g
s/\bmamba_decode_init\b/mamba_decoder_init/g
s/\bmamba_decode_token\b/mamba_decoder_token/g
s/\bmamba_decode_flush\b/mamba_decoder_flush/g
s/\bmamba_tokenizer_load_file_ex\b/mamba_tokenizer_load_file/g
s/\bmamba_tokenizer_load_json_ex\b/mamba_tokenizer_load_json/g
s/\bmamba_tokenizer_load_gguf_ex\b/mamba_tokenizer_load_gguf/g
s/\bmamba_tokenizer_encode_ex\b/mamba_tokenizer_encode_arena/g
s/\bmamba_tokenizer_vocab_size\b/mamba_tokenizer_n_vocab/g
s/\bmax_header_bytes\b/max_json_bytes/g
