;; Constant-product swap pool (x * y = k, no fee). The reserves are two u64 under the
;; keys "rx" and "ry" (8 bytes LE, absent = 0). Every swap reads and writes both: the
;; pool is a contention hot spot by design. It keeps reserves only (no token custody).
;;   add_liquidity(x u64, y u64)        rx += x, ry += y
;;   swap_x_for_y(dx u64, min_dy u64)   dy = ry * dx / (rx + dx); rx += dx, ry -= dy;
;;                                      returns dy; emits "swap" with dx || dy
;;   swap_y_for_x(dy u64, min_dx u64)   the mirror image
;;   reserves()                         returns rx || ry
;; Reverts: "bad input" (input size), "empty pool", "zero amount", "overflow" (a sum or
;; the product ry * dx passing 2^64 - 1), "slippage" (output below the minimum).
;; Host ABI: docs/execution.md.
(module
  (import "env" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "return_data" (func $return_data (param i32 i32)))
  (import "env" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  ;; Layout: 0 "rx", 4 "ry", 16 a u64 buffer, 64.. the input, 128.. output, 512.. strings.
  (data (i32.const 0) "rx")
  (data (i32.const 4) "ry")
  (data (i32.const 512) "bad input")
  (data (i32.const 528) "empty pool")
  (data (i32.const 544) "zero amount")
  (data (i32.const 560) "overflow")
  (data (i32.const 576) "slippage")
  (data (i32.const 592) "swap")

  (func $load (param $key i32) (result i64)
    (i64.store (i32.const 16) (i64.const 0))
    (drop (call $storage_read (local.get $key) (i32.const 2) (i32.const 16) (i32.const 8)))
    (i64.load (i32.const 16)))

  (func $store (param $key i32) (param $v i64)
    (i64.store (i32.const 16) (local.get $v))
    (call $storage_write (local.get $key) (i32.const 2) (i32.const 16) (i32.const 8)))

  (func $read_pair
    (if (i32.ne (call $input_size) (i32.const 16))
      (then (call $revert (i32.const 512) (i32.const 9))))
    (call $input_read (i32.const 64)))

  (func $checked_add (param $a i64) (param $b i64) (result i64)
    (if (i64.lt_u (i64.add (local.get $a) (local.get $b)) (local.get $a))
      (then (call $revert (i32.const 560) (i32.const 8))))
    (i64.add (local.get $a) (local.get $b)))

  (func (export "add_liquidity")
    (call $read_pair)
    (call $store (i32.const 0)
      (call $checked_add (call $load (i32.const 0)) (i64.load (i32.const 64))))
    (call $store (i32.const 4)
      (call $checked_add (call $load (i32.const 4)) (i64.load (i32.const 72)))))

  (func $swap (param $in_key i32) (param $out_key i32)
    (local $dx i64) (local $rin i64) (local $rout i64) (local $new_in i64) (local $dy i64)
    (call $read_pair)
    (local.set $dx (i64.load (i32.const 64)))
    (local.set $rin (call $load (local.get $in_key)))
    (local.set $rout (call $load (local.get $out_key)))
    (if (i32.or (i64.eqz (local.get $rin)) (i64.eqz (local.get $rout)))
      (then (call $revert (i32.const 528) (i32.const 10))))
    (if (i64.eqz (local.get $dx))
      (then (call $revert (i32.const 544) (i32.const 11))))
    (local.set $new_in (call $checked_add (local.get $rin) (local.get $dx)))
    (if (i64.gt_u (local.get $rout) (i64.div_u (i64.const -1) (local.get $dx)))
      (then (call $revert (i32.const 560) (i32.const 8))))
    (local.set $dy (i64.div_u (i64.mul (local.get $rout) (local.get $dx)) (local.get $new_in)))
    (if (i64.lt_u (local.get $dy) (i64.load (i32.const 72)))
      (then (call $revert (i32.const 576) (i32.const 8))))
    (call $store (local.get $in_key) (local.get $new_in))
    (call $store (local.get $out_key) (i64.sub (local.get $rout) (local.get $dy)))
    (i64.store (i32.const 128) (local.get $dx))
    (i64.store (i32.const 136) (local.get $dy))
    (call $emit_event (i32.const 592) (i32.const 4) (i32.const 128) (i32.const 16))
    (call $return_data (i32.const 136) (i32.const 8)))

  (func (export "swap_x_for_y") (call $swap (i32.const 0) (i32.const 4)))
  (func (export "swap_y_for_x") (call $swap (i32.const 4) (i32.const 0)))

  (func (export "reserves")
    (i64.store (i32.const 128) (call $load (i32.const 0)))
    (i64.store (i32.const 136) (call $load (i32.const 4)))
    (call $return_data (i32.const 128) (i32.const 16))))
