# Built by scripts/setup.mjs with node-gyp (offline: --nodedir points at the installed
# Node headers). Output: build/Release/udp4.node, loaded by src/runtime/udp4-socket.ts.
{
  "targets": [
    {
      "target_name": "udp4",
      "sources": ["udp4.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2", "-fvisibility=hidden"]
    }
  ]
}
