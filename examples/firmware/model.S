/* The model file, byte for byte, as a read-only array in flash: no copy is
   made at run time (mamba_model_load_memory uses the tensors in place). FW_MODEL
   is the path of the GGUF file (set by the Makefile). */
    .section .model, "a"
    .balign 32
    .global fw_model
    .global fw_model_end
fw_model:
    .incbin FW_MODEL
fw_model_end:
    .section .note.GNU-stack, "", %progbits
