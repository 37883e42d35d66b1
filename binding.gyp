{
  "targets": [
    {
      "target_name": "wsframe",
      # native/sources.json is the one list of sources, shared with CMakeLists.txt.
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); [...s.kernels, s.binding, ...s.transport].map((f) => 'native/' + f).join(' ')\")"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      # Same portable flags for every file: instruction sets are chosen per function with target
      # regions (native/isa_target.h) and at run time (native/cpu.cc), never with -march.
      "cflags": ["-O3", "-Wall", "-Wextra"],
      "cflags_cc": ["-O3", "-Wall", "-Wextra", "-std=c++17"],
      "xcode_settings": {
        "GCC_OPTIMIZATION_LEVEL": "3",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "WARNING_CFLAGS": ["-Wall", "-Wextra"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "Optimization": 2, "AdditionalOptions": ["/std:c++17"] }
      }
    }
  ]
}
