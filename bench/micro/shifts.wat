;; Shift-heavy loop: xorshift64 plus an i32 string-hash step, every shift by a constant.
;; `weft run bench/micro/shifts.wat` exits with a checksum (36); time it against another build or engine.
(module
 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
 (memory (export "memory") 1)
 (func (export "_start") (local $x i64) (local $i i32) (local $h i32)
   (local.set $x (i64.const 88172645463325252))
   (loop $l
     (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
     (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
     (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
     ;; an i32 hash step too: h = (h << 5) + h + low byte; h ^= h >> 11
     (local.set $h (i32.add (i32.add (i32.shl (local.get $h) (i32.const 5)) (local.get $h)) (i32.wrap_i64 (local.get $x))))
     (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 11))))
     (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 200000000))))
   (call $exit (i32.and (i32.xor (local.get $h) (i32.wrap_i64 (local.get $x))) (i32.const 127)))))
