;; Counter: one 64-bit counter under the key "count" (8 bytes, little-endian).
;;   increment()  count += 1; returns the new count (8 bytes LE)
;;   get()        returns the count (8 bytes LE; 0 before the first increment)
;; Host ABI: docs/execution.md.
(module
  (import "env" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "env" "return_data" (func $return_data (param i32 i32)))
  (memory (export "memory") 1)
  ;; 0: the key "count"; 16: the 8-byte value buffer
  (data (i32.const 0) "count")

  (func $load (result i64)
    (i64.store (i32.const 16) (i64.const 0))
    (drop (call $storage_read (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8)))
    (i64.load (i32.const 16)))

  (func (export "increment")
    (i64.store (i32.const 16) (i64.add (call $load) (i64.const 1)))
    (call $storage_write (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8))
    (call $return_data (i32.const 16) (i32.const 8)))

  (func (export "get")
    (i64.store (i32.const 16) (call $load))
    (call $return_data (i32.const 16) (i32.const 8))))
