;; Shielded pool (docs/shielded_pool.md): deposits put a commitment Poseidon(nullifier,
;; secret) into a depth-10 Poseidon Merkle tree; a withdrawal proves, in zero knowledge,
;; that it knows the note of some leaf and pays DENOMINATION to a recipient, once per
;; nullifier. The contract cannot compute Poseidon: every change of the tree comes with a
;; Groth16 proof (tx_proof, tx_proof_signals; docs/execution.md) of circuits/deposit.circom,
;; and every withdrawal with one of circuits/withdraw.circom. A small internal token pays
;; for deposits.
;;
;; Entry points (integers little-endian; a wrong input size reverts "bad input"):
;;   init(deposit key id [32] || withdraw key id [32] || empty tree's root [32])
;;       once ("already initialised"); the caller becomes the owner
;;   mint(address [32] || amount u64)     owner only: balance[address] += amount
;;   deposit(commitment [32])             with a deposit proof whose signals are
;;       [root, new root, next index, commitment]: balance[caller] -= DENOMINATION, the
;;       leaf at the next index := commitment, root := new root (and remembered);
;;       event "deposit": index u64 || commitment [32] || new root [32]
;;   withdraw(recipient [32])             with a withdraw proof whose signals are
;;       [a known root, nullifier hash, recipient field]: marks the nullifier hash spent,
;;       balance[recipient] += DENOMINATION; event "withdraw": nullifier hash || recipient
;;   balance(address [32]) -> u64; root() -> [32]; next_index() -> u64;
;;   leaf(index u64) -> commitment [32]; keys() -> deposit key id || withdraw key id
;; Field elements (roots, commitments, signals) are 32 bytes big-endian, as the proofs'
;; public signals. A recipient's field element is 0x00 || its first 31 bytes.
;;
;; Storage (contract keys): "o" owner [32]; "k" deposit key id || withdraw key id; "R" the
;; root; "i" the next index (u64); "r" || root: 1 for every root the tree has had;
;; "n" || nullifier hash: 1 once spent; "l" || index (u64): the leaf; "b" || address: the
;; balance (u64, absent = 0).
(module
  (import "env" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "env" "caller" (func $caller (param i32)))
  (import "env" "input_size" (func $input_size (result i32)))
  (import "env" "input_read" (func $input_read (param i32)))
  (import "env" "return_data" (func $return_data (param i32 i32)))
  (import "env" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "env" "revert" (func $revert (param i32 i32)))
  (import "env" "tx_proof" (func $tx_proof (param i32) (result i32)))
  (import "env" "tx_proof_signals" (func $tx_proof_signals (param i32)))
  (memory (export "memory") 1)

  ;; Layout:
  ;;     0..33   a storage key: one prefix byte, then up to 32 bytes
  ;;    64..160  the input
  ;;   192..224  the proof's verifying key id
  ;;   256..384  the proof's public signals (at most 4 of 32 bytes)
  ;;   384..416  the caller
  ;;   416..448  an expected signal, built to compare with the proof's
  ;;   448..456  a u64 value
  ;;   512..576  a value read from storage (the two key ids; the owner; the root)
  ;;   640..712  event data
  ;;  1024..     strings
  (global $DENOMINATION i64 (i64.const 100))
  ;; 2^10 leaves: the circuits' depth (Deposit(10), Withdraw(10)).
  (global $CAPACITY i64 (i64.const 1024))

  (data (i32.const 1024) "bad input")                               ;; 9
  (data (i32.const 1040) "already initialised")                     ;; 19
  (data (i32.const 1072) "not initialised")                         ;; 15
  (data (i32.const 1088) "not the owner")                           ;; 13
  (data (i32.const 1104) "overflow")                                ;; 8
  (data (i32.const 1120) "insufficient balance")                    ;; 20
  (data (i32.const 1152) "no proof")                                ;; 8
  (data (i32.const 1168) "proof is not under the deposit key")      ;; 34
  (data (i32.const 1216) "proof is not under the withdraw key")     ;; 35
  (data (i32.const 1264) "proof has the wrong number of signals")   ;; 37
  (data (i32.const 1312) "the tree is full")                        ;; 16
  (data (i32.const 1344) "proof is for another root: the tree has changed") ;; 47
  (data (i32.const 1408) "proof is for another leaf index")         ;; 31
  (data (i32.const 1440) "proof is for another commitment")         ;; 31
  (data (i32.const 1472) "unknown root")                            ;; 12
  (data (i32.const 1488) "nullifier already spent")                 ;; 23
  (data (i32.const 1520) "proof is for another recipient")          ;; 30
  (data (i32.const 1552) "no such leaf")                            ;; 12
  (data (i32.const 1568) "deposit")                                 ;; 7
  (data (i32.const 1584) "withdraw")                                ;; 8
  (data (i32.const 1600) "\01")                                     ;; the flag value

  (func $fail (param $msg i32) (param $len i32)
    (call $revert (local.get $msg) (local.get $len)))

  ;; Copies $n bytes from $src to $dst (no bulk memory in the contract rules).
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (local.get $dst) (local.get $i))
          (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; 1 when the 32 bytes at $a equal those at $b.
  (func $eq32 (param $a i32) (param $b i32) (result i32)
    (i32.and
      (i32.and
        (i64.eq (i64.load (local.get $a)) (i64.load (local.get $b)))
        (i64.eq (i64.load offset=8 (local.get $a)) (i64.load offset=8 (local.get $b))))
      (i32.and
        (i64.eq (i64.load offset=16 (local.get $a)) (i64.load offset=16 (local.get $b)))
        (i64.eq (i64.load offset=24 (local.get $a)) (i64.load offset=24 (local.get $b))))))

  ;; Points the storage key at $prefix || the $n bytes at $src; returns the key's length.
  (func $key (param $prefix i32) (param $src i32) (param $n i32) (result i32)
    (i32.store8 (i32.const 0) (local.get $prefix))
    (call $copy (i32.const 1) (local.get $src) (local.get $n))
    (i32.add (local.get $n) (i32.const 1)))

  ;; Reads the value of $prefix || [$src, $src + $n) into 512..576; returns its length or -1.
  (func $load (param $prefix i32) (param $src i32) (param $n i32) (result i32)
    (call $storage_read (i32.const 0) (call $key (local.get $prefix) (local.get $src) (local.get $n))
      (i32.const 512) (i32.const 64)))

  (func $store (param $prefix i32) (param $src i32) (param $n i32) (param $value i32) (param $len i32)
    (call $storage_write (i32.const 0) (call $key (local.get $prefix) (local.get $src) (local.get $n))
      (local.get $value) (local.get $len)))

  ;; The u64 under $prefix || [$src, $src + $n) (absent = 0).
  (func $load_u64 (param $prefix i32) (param $src i32) (param $n i32) (result i64)
    (i64.store (i32.const 448) (i64.const 0))
    (drop (call $storage_read (i32.const 0) (call $key (local.get $prefix) (local.get $src) (local.get $n))
      (i32.const 448) (i32.const 8)))
    (i64.load (i32.const 448)))

  (func $store_u64 (param $prefix i32) (param $src i32) (param $n i32) (param $v i64)
    (i64.store (i32.const 448) (local.get $v))
    (call $store (local.get $prefix) (local.get $src) (local.get $n) (i32.const 448) (i32.const 8)))

  ;; Reads the input, which must be $n bytes, to 64.
  (func $expect_input (param $n i32)
    (if (i32.ne (call $input_size) (local.get $n))
      (then (call $fail (i32.const 1024) (i32.const 9))))
    (call $input_read (i32.const 64)))

  (func $require_initialised
    (if (i32.lt_s (call $load (i32.const 0x6f) (i32.const 0) (i32.const 0)) (i32.const 0))
      (then (call $fail (i32.const 1072) (i32.const 15)))))

  ;; balance[$addr] += $amount, reverting "overflow" past 2^64 - 1.
  (func $credit (param $addr i32) (param $amount i64)
    (local $old i64)
    (local.set $old (call $load_u64 (i32.const 0x62) (local.get $addr) (i32.const 32)))
    (if (i64.lt_u (i64.add (local.get $old) (local.get $amount)) (local.get $old))
      (then (call $fail (i32.const 1104) (i32.const 8))))
    (call $store_u64 (i32.const 0x62) (local.get $addr) (i32.const 32)
      (i64.add (local.get $old) (local.get $amount))))

  ;; Reads the transaction's proof: reverts unless it is under the key at $key_id with
  ;; $n signals; the signals land at 256.
  (func $read_proof (param $key_id i32) (param $n i32) (param $wrong_key i32) (param $wrong_key_len i32)
    (local $count i32)
    (local.set $count (call $tx_proof (i32.const 192)))
    (if (i32.lt_s (local.get $count) (i32.const 0))
      (then (call $fail (i32.const 1152) (i32.const 8))))
    (if (i32.eqz (call $eq32 (i32.const 192) (local.get $key_id)))
      (then (call $fail (local.get $wrong_key) (local.get $wrong_key_len))))
    (if (i32.ne (local.get $count) (local.get $n))
      (then (call $fail (i32.const 1264) (i32.const 37))))
    (call $tx_proof_signals (i32.const 256)))

  (func (export "init")
    (call $expect_input (i32.const 96))
    (if (i32.ge_s (call $load (i32.const 0x6f) (i32.const 0) (i32.const 0)) (i32.const 0))
      (then (call $fail (i32.const 1040) (i32.const 19))))
    (call $caller (i32.const 384))
    (call $store (i32.const 0x6f) (i32.const 0) (i32.const 0) (i32.const 384) (i32.const 32))
    (call $store (i32.const 0x6b) (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 64))
    (call $store (i32.const 0x52) (i32.const 0) (i32.const 0) (i32.const 128) (i32.const 32))
    (call $store (i32.const 0x72) (i32.const 128) (i32.const 32) (i32.const 1600) (i32.const 1))
    (call $store_u64 (i32.const 0x69) (i32.const 0) (i32.const 0) (i64.const 0)))

  (func (export "mint")
    (call $expect_input (i32.const 40))
    (call $require_initialised)
    (call $caller (i32.const 384))
    (drop (call $load (i32.const 0x6f) (i32.const 0) (i32.const 0)))
    (if (i32.eqz (call $eq32 (i32.const 384) (i32.const 512)))
      (then (call $fail (i32.const 1088) (i32.const 13))))
    (call $credit (i32.const 64) (i64.load (i32.const 96))))

  (func (export "deposit")
    (local $index i64) (local $balance i64) (local $i i32)
    (call $expect_input (i32.const 32))
    (call $require_initialised)
    (drop (call $load (i32.const 0x6b) (i32.const 0) (i32.const 0)))
    (call $read_proof (i32.const 512) (i32.const 4) (i32.const 1168) (i32.const 34))
    (local.set $index (call $load_u64 (i32.const 0x69) (i32.const 0) (i32.const 0)))
    (if (i64.ge_u (local.get $index) (global.get $CAPACITY))
      (then (call $fail (i32.const 1312) (i32.const 16))))
    ;; signal 0: the current root
    (drop (call $load (i32.const 0x52) (i32.const 0) (i32.const 0)))
    (if (i32.eqz (call $eq32 (i32.const 256) (i32.const 512)))
      (then (call $fail (i32.const 1344) (i32.const 47))))
    ;; signal 2: the next index, 32 bytes big-endian
    (i64.store (i32.const 416) (i64.const 0))
    (i64.store (i32.const 424) (i64.const 0))
    (i64.store (i32.const 432) (i64.const 0))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $i) (i32.const 8)))
        (i64.store8 (i32.sub (i32.const 447) (local.get $i))
          (i64.shr_u (local.get $index) (i64.extend_i32_u (i32.mul (local.get $i) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (if (i32.eqz (call $eq32 (i32.const 320) (i32.const 416)))
      (then (call $fail (i32.const 1408) (i32.const 31))))
    ;; signal 3: the commitment of the input
    (if (i32.eqz (call $eq32 (i32.const 352) (i32.const 64)))
      (then (call $fail (i32.const 1440) (i32.const 31))))
    (call $caller (i32.const 384))
    (local.set $balance (call $load_u64 (i32.const 0x62) (i32.const 384) (i32.const 32)))
    (if (i64.lt_u (local.get $balance) (global.get $DENOMINATION))
      (then (call $fail (i32.const 1120) (i32.const 20))))
    (call $store_u64 (i32.const 0x62) (i32.const 384) (i32.const 32)
      (i64.sub (local.get $balance) (global.get $DENOMINATION)))
    ;; the leaf, the new root (signal 1), the next index
    (i64.store (i32.const 448) (local.get $index))
    (call $store (i32.const 0x6c) (i32.const 448) (i32.const 8) (i32.const 64) (i32.const 32))
    (call $store (i32.const 0x52) (i32.const 0) (i32.const 0) (i32.const 288) (i32.const 32))
    (call $store (i32.const 0x72) (i32.const 288) (i32.const 32) (i32.const 1600) (i32.const 1))
    (call $store_u64 (i32.const 0x69) (i32.const 0) (i32.const 0)
      (i64.add (local.get $index) (i64.const 1)))
    ;; event: index || commitment || new root
    (i64.store (i32.const 640) (local.get $index))
    (call $copy (i32.const 648) (i32.const 64) (i32.const 32))
    (call $copy (i32.const 680) (i32.const 288) (i32.const 32))
    (call $emit_event (i32.const 1568) (i32.const 7) (i32.const 640) (i32.const 72)))

  (func (export "withdraw")
    (call $expect_input (i32.const 32))
    (call $require_initialised)
    (drop (call $load (i32.const 0x6b) (i32.const 0) (i32.const 0)))
    (call $read_proof (i32.const 544) (i32.const 3) (i32.const 1216) (i32.const 35))
    ;; signal 0: a root the tree has had
    (if (i32.lt_s (call $load (i32.const 0x72) (i32.const 256) (i32.const 32)) (i32.const 0))
      (then (call $fail (i32.const 1472) (i32.const 12))))
    ;; signal 1: the nullifier hash, not spent yet
    (if (i32.ge_s (call $load (i32.const 0x6e) (i32.const 288) (i32.const 32)) (i32.const 0))
      (then (call $fail (i32.const 1488) (i32.const 23))))
    ;; signal 2: the recipient's field element, 0x00 || recipient[0..31)
    (i32.store8 (i32.const 416) (i32.const 0))
    (call $copy (i32.const 417) (i32.const 64) (i32.const 31))
    (if (i32.eqz (call $eq32 (i32.const 320) (i32.const 416)))
      (then (call $fail (i32.const 1520) (i32.const 30))))
    (call $store (i32.const 0x6e) (i32.const 288) (i32.const 32) (i32.const 1600) (i32.const 1))
    (call $credit (i32.const 64) (global.get $DENOMINATION))
    ;; event: nullifier hash || recipient
    (call $copy (i32.const 640) (i32.const 288) (i32.const 32))
    (call $copy (i32.const 672) (i32.const 64) (i32.const 32))
    (call $emit_event (i32.const 1584) (i32.const 8) (i32.const 640) (i32.const 64)))

  (func (export "balance")
    (call $expect_input (i32.const 32))
    (i64.store (i32.const 456) (call $load_u64 (i32.const 0x62) (i32.const 64) (i32.const 32)))
    (call $return_data (i32.const 456) (i32.const 8)))

  (func (export "root")
    (call $expect_input (i32.const 0))
    (call $require_initialised)
    (drop (call $load (i32.const 0x52) (i32.const 0) (i32.const 0)))
    (call $return_data (i32.const 512) (i32.const 32)))

  (func (export "next_index")
    (call $expect_input (i32.const 0))
    (call $require_initialised)
    (i64.store (i32.const 456) (call $load_u64 (i32.const 0x69) (i32.const 0) (i32.const 0)))
    (call $return_data (i32.const 456) (i32.const 8)))

  (func (export "leaf")
    (call $expect_input (i32.const 8))
    (if (i32.lt_s (call $load (i32.const 0x6c) (i32.const 64) (i32.const 8)) (i32.const 0))
      (then (call $fail (i32.const 1552) (i32.const 12))))
    (call $return_data (i32.const 512) (i32.const 32)))

  (func (export "keys")
    (call $expect_input (i32.const 0))
    (call $require_initialised)
    (drop (call $load (i32.const 0x6b) (i32.const 0) (i32.const 0)))
    (call $return_data (i32.const 512) (i32.const 64))))
