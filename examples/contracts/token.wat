;; Fungible token. The balance of a 32-byte address A is stored under the key
;; "b" || A as 8 bytes little-endian (absent = 0).
;;   mint(amount u64)               balance[caller] += amount (open faucet: any caller)
;;   transfer(to [32], amount u64)  moves amount from the caller to `to`; reverts with
;;                                  "insufficient balance"; emits "transfer" with
;;                                  from [32] || to [32] || amount [8]
;;   balance(addr [32])             returns the balance (8 bytes LE)
;; Integers in the input are little-endian. Bad input sizes revert with "bad input",
;; a balance that would pass 2^64 - 1 with "overflow". Host ABI: docs/execution.md.
(module
  (import "env" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "env" "caller" (func $caller (param i32)))
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "return_data" (func $return_data (param i32 i32)))
  (import "env" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  ;; Layout: 0..33 the key "b" || address; 64.. the input; 128 a u64 buffer;
  ;; 256.. the event data (from, to, amount); 512.. strings.
  (data (i32.const 0) "b")
  (data (i32.const 512) "insufficient balance")
  (data (i32.const 544) "bad input")
  (data (i32.const 560) "transfer")
  (data (i32.const 576) "overflow")

  ;; Points the key at the 32-byte address at $p.
  (func $set_key (param $p i32)
    (i64.store (i32.const 1) (i64.load (local.get $p)))
    (i64.store (i32.const 9) (i64.load offset=8 (local.get $p)))
    (i64.store (i32.const 17) (i64.load offset=16 (local.get $p)))
    (i64.store (i32.const 25) (i64.load offset=24 (local.get $p))))

  (func $get (param $addr i32) (result i64)
    (call $set_key (local.get $addr))
    (i64.store (i32.const 128) (i64.const 0))
    (drop (call $storage_read (i32.const 0) (i32.const 33) (i32.const 128) (i32.const 8)))
    (i64.load (i32.const 128)))

  (func $put (param $addr i32) (param $v i64)
    (call $set_key (local.get $addr))
    (i64.store (i32.const 128) (local.get $v))
    (call $storage_write (i32.const 0) (i32.const 33) (i32.const 128) (i32.const 8)))

  (func $expect_input (param $n i32)
    (if (i32.ne (call $input_size) (local.get $n))
      (then (call $revert (i32.const 544) (i32.const 9))))
    (call $input_read (i32.const 64)))

  (func (export "mint")
    (local $old i64) (local $new i64)
    (call $expect_input (i32.const 8))
    (call $caller (i32.const 256))
    (local.set $old (call $get (i32.const 256)))
    (local.set $new (i64.add (local.get $old) (i64.load (i32.const 64))))
    (if (i64.lt_u (local.get $new) (local.get $old))
      (then (call $revert (i32.const 576) (i32.const 8))))
    (call $put (i32.const 256) (local.get $new)))

  (func (export "transfer")
    (local $amount i64) (local $from i64) (local $to i64)
    (call $expect_input (i32.const 40))
    (local.set $amount (i64.load (i32.const 96)))
    (call $caller (i32.const 256))
    (local.set $from (call $get (i32.const 256)))
    (if (i64.lt_u (local.get $from) (local.get $amount))
      (then (call $revert (i32.const 512) (i32.const 20))))
    (call $put (i32.const 256) (i64.sub (local.get $from) (local.get $amount)))
    (local.set $to (call $get (i32.const 64)))
    (if (i64.lt_u (i64.add (local.get $to) (local.get $amount)) (local.get $to))
      (then (call $revert (i32.const 576) (i32.const 8))))
    (call $put (i32.const 64) (i64.add (local.get $to) (local.get $amount)))
    ;; event data: from (already at 256), to, amount
    (i64.store (i32.const 288) (i64.load (i32.const 64)))
    (i64.store (i32.const 296) (i64.load (i32.const 72)))
    (i64.store (i32.const 304) (i64.load (i32.const 80)))
    (i64.store (i32.const 312) (i64.load (i32.const 88)))
    (i64.store (i32.const 320) (local.get $amount))
    (call $emit_event (i32.const 560) (i32.const 8) (i32.const 256) (i32.const 72)))

  (func (export "balance")
    (call $expect_input (i32.const 32))
    (i64.store (i32.const 136) (call $get (i32.const 64)))
    (call $return_data (i32.const 136) (i32.const 8))))
