#!/usr/bin/env python3
"""Writes kernels/u256_chains.cuh: the 8 x 8-limb product and square of u256.cuh as PTX
carry chains (mad.lo.cc / madc.hi.cc / addc), and checks them on a PTX simulator.

Why generated: the chains are ~160 instructions whose operand positions follow from a
few rules (below); writing them by hand is where carries get lost. The simulator runs the
very instruction strings written to the header on edge and random values against
Python's integers, so a wrong position or a lost carry fails here, on any machine.

The scheme (as sppark's mul_n / cmad_n): the product of a by one limb b_i is split into
two chains whose partial products do not overlap: a's even limbs (lo(a_0 b_i) at limb
i, hi at i + 1, lo(a_2 b_i) at i + 2, ...) into accumulator E, a's odd limbs into
accumulator O, each chain adding into what the earlier rows left and carrying out into
the next limb (then on up to the highest limb its accumulator has reached). E + O is the
product. A square sums the 28 cross products a_i a_j (i < j) the same way, doubles the
sum, and adds the 8 diagonal squares in one more chain: 120 instructions against the
product's 158.

Every asm statement is a whole chain: it starts with an instruction that sets the carry
flag without reading it and reads no flag it did not set, so no carry crosses two
statements (nothing obliges the compiler to keep the flag between them). Accumulator
limbs are early-clobber in-out operands ("+&r"), initialised to zero in C++ where a chain
first writes them. Early-clobber matters: with plain "+r", nvcc may give an input the
register of an in-out operand that holds the same value (constant limbs, as the Z = 1 of
a decoded Ed25519 point), and a chain that writes that operand before its last read of
the input reads its own result. That was the wrong verdict for the Ed25519 identity key
(kernels/NOTES.md); --ptx checks nvcc's output for it.

Usage: gen_u256_chains.py [--check]   (--check: simulate, and compare the header on disk
with what would be written; exit 1 on any difference)
       gen_u256_chains.py --single [--check]  (the one-accumulator variant; see
product_chains)
       gen_u256_chains.py --ptx FILE...  (nvcc's PTX of code using the chains: no chain
reads a register after writing it; see check_ptx)
"""
import pathlib
import random
import re
import sys

MASK = (1 << 32) - 1
HEADER = pathlib.Path(__file__).with_name("u256_chains.cuh")


class Chain:
    """One asm statement: instructions over named operands."""

    def __init__(self):
        self.ops = []  # (opcode, dest, src...)

    def op(self, opcode, dest, *srcs):
        self.ops.append((opcode, dest) + tuple(srcs))


def accumulate_rows(rows, acc, top, reached=-1):
    """Chains adding products into accumulator `acc` (limbs acc0..acc{top}).

    rows: list of lists of (x, y, position): x*y added at limb `position` (lo) and
    position + 1 (hi); within a row the positions are consecutive even offsets, so the
    lo and hi halves cover a run of limbs without overlap. `reached`: the highest limb
    of `acc` that earlier chains wrote (-1: none). Returns the chains."""
    chains = []
    for row in rows:
        chain = Chain()
        first = True
        for (x, y, pos) in row:
            lo_op = "mad.lo.cc.u32" if first else "madc.lo.cc.u32"
            chain.op(lo_op, f"{acc}{pos}", x, y, f"{acc}{pos}")
            chain.op("madc.hi.cc.u32", f"{acc}{pos + 1}", x, y, f"{acc}{pos + 1}")
            first = False
        end = row[-1][2] + 1
        # Carry on up to one limb past the highest written so far (never past `top`).
        stop = min(top, max(reached, end) + 1)
        for pos in range(end + 1, stop + 1):
            chain.op("addc.cc.u32", f"{acc}{pos}", f"{acc}{pos}", "0")
        reached = max(reached, stop)
        # The last instruction needs no carry out when it lands on the top limb; the
        # accumulated value is below 2^(32 (top + 1)) by construction (it is part of a
        # product that fits), so that carry is zero.
        last = chain.ops[-1]
        chain.ops[-1] = (last[0].replace(".cc", ""),) + last[1:]
        chains.append(chain)
    return chains


def add_limbs(acc, addend):
    """One chain: acc += addend over limbs 1..15 (limb 0 of both is still empty: the
    odd rows and the cross products start at limb 1). The sum fits in 16 limbs (it is
    part of a product), so the carry out of limb 15 is zero and not kept."""
    chain = Chain()
    chain.op("add.cc.u32", f"{acc}1", f"{acc}1", f"{addend}1")
    for pos in range(2, 16):
        chain.op("addc.cc.u32" if pos < 15 else "addc.u32", f"{acc}{pos}", f"{acc}{pos}",
                 f"{addend}{pos}")
    return chain


# single: the rows of odd limbs go into the same accumulator as the even ones (each
# carrying on to limb 15) instead of a second accumulator added at the end: 16 live
# accumulator limbs instead of 31, for a few more additions and less parallelism between
# the two chains (--single; measured slower, kernels/NOTES.md). Either way the product is
# left in accumulator e.

def product_chains(single):
    rows_e, rows_o = [], []
    for i in range(8):
        rows_e.append([(f"a{j}", f"b{i}", i + j) for j in range(0, 8, 2)])
        rows_o.append([(f"a{j}", f"b{i}", i + j) for j in range(1, 8, 2)])
    if single:
        return accumulate_rows(rows_e, "e", 15) + accumulate_rows(rows_o, "e", 15, 15)
    chains = accumulate_rows(rows_e, "e", 15) + accumulate_rows(rows_o, "o", 15)
    return chains + [add_limbs("e", "o")]


def square_chains(single):
    rows_e, rows_o = [], []
    for i in range(7):
        rows_e.append([(f"a{i}", f"a{j}", i + j) for j in range(i + 1, 8, 2)])
        odd = [(f"a{i}", f"a{j}", i + j) for j in range(i + 2, 8, 2)]
        if odd:
            rows_o.append(odd)
    if single:
        chains = accumulate_rows(rows_e, "e", 15) + accumulate_rows(rows_o, "e", 15, 15)
    else:
        chains = accumulate_rows(rows_e, "e", 15) + accumulate_rows(rows_o, "o", 15)
        chains.append(add_limbs("e", "o"))  # cross = E + O
    double = add_limbs("e", "e")  # 2 * cross < 2^512
    diagonal = Chain()  # + a_i^2 at limbs 2i, 2i + 1 (limb 0 is empty before this)
    for i in range(8):
        diagonal.op("mad.lo.cc.u32" if i == 0 else "madc.lo.cc.u32", f"e{2 * i}", f"a{i}",
                    f"a{i}", f"e{2 * i}")
        diagonal.op("madc.hi.cc.u32" if i < 7 else "madc.hi.u32", f"e{2 * i + 1}", f"a{i}",
                    f"a{i}", f"e{2 * i + 1}")
    return chains + [double, diagonal]


def fold_chains():
    """r[0, 9) = t[0, 8) + t[8, 16) * k0 (a one-limb reduction's first fold, k0 < 2^32):
    r starts as t's low half and a zero ninth limb; the lo halves of t_{8+i} k0 go in at
    limb i in one chain, the hi halves at limb i + 1 in another. The value is below
    2^256 (1 + k0), so the carry out of limb 8 is zero and not kept."""
    lo, hi = Chain(), Chain()
    for i in range(8):
        lo.op("mad.lo.cc.u32" if i == 0 else "madc.lo.cc.u32", f"r{i}", f"t{8 + i}", "k0", f"r{i}")
        hi.op("mad.hi.cc.u32" if i == 0 else ("madc.hi.cc.u32" if i < 7 else "madc.hi.u32"),
              f"r{i + 1}", f"t{8 + i}", "k0", f"r{i + 1}")
    lo.op("addc.u32", "r8", "r8", "0")
    return [lo, hi]


def add_small_chain():
    """r[0, 8) += k0, the carry on through limb 7; the caller knows the sum fits in 256
    bits, so the carry out of limb 7 is not kept."""
    chain = Chain()
    chain.op("add.cc.u32", "r0", "r0", "k0")
    for i in range(1, 8):
        chain.op("addc.cc.u32" if i < 7 else "addc.u32", f"r{i}", f"r{i}", "0")
    return [chain]


def add_sub_chains():
    """o = a + b and o = a - b over 8 limbs, the carry (0 or 1) or the borrow (0 or all
    ones) of limb 7 in k0: one chain each, where nvcc makes a 64-bit addition, shift and
    mask of every limb of u256.cuh's C++ loops."""
    add, sub = Chain(), Chain()
    for i in range(8):
        add.op("add.cc.u32" if i == 0 else "addc.cc.u32", f"o{i}", f"a{i}", f"b{i}")
        sub.op("sub.cc.u32" if i == 0 else "subc.cc.u32", f"o{i}", f"a{i}", f"b{i}")
    add.op("addc.u32", "k0", "0", "0")
    sub.op("subc.u32", "k0", "0", "0")
    return add, sub


# ---- the simulator: the PTX semantics of the opcodes above, on the emitted strings ----

def simulate(chains, inputs):
    regs = dict(inputs)
    for chain in chains:
        cf = None  # the flag is undefined at a statement's start
        for (opcode, dest, *srcs) in chain.ops:
            vals = [int(s) & MASK if s.lstrip("-").isdigit() else regs[s] for s in srcs]
            name, *mods = opcode.split(".")
            if name in ("madc", "addc", "subc"):
                if cf is None:
                    raise AssertionError(f"{opcode} reads a carry no instruction set")
                carry_in = cf
            else:
                carry_in = 0
            if name in ("mad", "madc"):
                p = vals[0] * vals[1]
                half = p & MASK if mods[0] == "lo" else p >> 32
                s = half + vals[2] + carry_in
            elif name in ("sub", "subc"):  # the flag is the borrow
                s = vals[0] - vals[1] - carry_in
            else:
                s = vals[0] + vals[1] + carry_in
            regs[dest] = s & MASK
            if name in ("sub", "subc"):
                cf = (1 if s < 0 else 0) if "cc" in mods else None
            else:
                cf = s >> 32 if "cc" in mods else None
    return regs


def limbs(v):
    return [(v >> (32 * i)) & MASK for i in range(8)]


def parse_statement(text):
    """The Chain an emitted asm statement runs: its instruction strings with %N mapped
    back to the C++ operands' names through its constraint lists."""
    body, outs, ins = text.split("\n      : ")
    operands = re.findall(r'"\+?&?r"\((\w)(?:\.w)?\[(\d+)\]\)', outs + ins)
    names = [letter + index for letter, index in operands]
    chain = Chain()
    for opcode, args in re.findall(r'"([a-z.0-9]+) ([^;]*);', body):
        chain.op(opcode, *[names[int(a.strip()[1:])] if a.strip().startswith("%")
                           else a.strip() for a in args.split(",")])
    return chain


def check(kind, chains, values):
    chains = [parse_statement(emit_statement(c)) for c in chains]
    for a in values:
        for b in values if kind == "mul" else [a]:
            inputs = {f"{acc}{i}": 0 for acc in "eo" for i in range(16)}
            inputs.update({f"a{i}": x for i, x in enumerate(limbs(a))})
            inputs.update({f"b{i}": x for i, x in enumerate(limbs(b))})
            regs = simulate(chains, inputs)
            got = sum(regs[f"e{i}"] << (32 * i) for i in range(16))
            if got != a * b:
                raise AssertionError(f"{kind}: {a:#x} * {b:#x} gave {got:#x}")


def check_fold(fold, add_small, values):
    fold = [parse_statement(emit_statement(c)) for c in fold]
    add_small = [parse_statement(emit_statement(c)) for c in add_small]
    rng = random.Random(20261207)
    for k in [38, 1, MASK, 977]:
        for low in values:
            for high in values[::5]:
                inputs = {f"t{i}": x for i, x in enumerate(limbs(low) + limbs(high))}
                inputs.update({f"r{i}": x for i, x in enumerate(limbs(low))})
                inputs.update({"r8": 0, "k0": k})
                regs = simulate(fold, inputs)
                got = sum(regs[f"r{i}"] << (32 * i) for i in range(9))
                if got != low + high * k:
                    raise AssertionError(f"fold: {low:#x} + {high:#x} * {k} gave {got:#x}")
    for r in values:
        for x in [0, 1, 19, 1482, MASK, rng.getrandbits(32)]:
            if r + x >= 2**256:
                continue
            inputs = {f"r{i}": v for i, v in enumerate(limbs(r))}
            inputs["k0"] = x
            regs = simulate(add_small, inputs)
            got = sum(regs[f"r{i}"] << (32 * i) for i in range(8))
            if got != r + x:
                raise AssertionError(f"add small: {r:#x} + {x:#x} gave {got:#x}")


def check_add_sub(add, sub, values):
    add, sub = parse_statement(emit_statement(add)), parse_statement(emit_statement(sub))
    for a in values:
        for b in values[::3]:
            inputs = {f"a{i}": x for i, x in enumerate(limbs(a))}
            inputs.update({f"b{i}": x for i, x in enumerate(limbs(b))})
            inputs.update({f"o{i}": 0 for i in range(8)})
            inputs["k0"] = 0
            regs = simulate([add], inputs)
            got = sum(regs[f"o{i}"] << (32 * i) for i in range(8)) + (regs["k0"] << 256)
            if got != a + b:
                raise AssertionError(f"add: {a:#x} + {b:#x} gave {got:#x}")
            regs = simulate([sub], inputs)
            got = sum(regs[f"o{i}"] << (32 * i) for i in range(8))
            borrow = regs["k0"]
            if got != (a - b) % 2**256 or borrow != (MASK if a < b else 0):
                raise AssertionError(f"sub: {a:#x} - {b:#x} gave {got:#x}, borrow {borrow:#x}")


def test_values():
    rng = random.Random(20261205)
    p = 2**256 - 2**32 - 977
    edge = [0, 1, 2, MASK, 2**255 - 19, 2**255 - 20, p - 1, p, 2**256 - 1, 2**256 - 2,
            2**128 - 1, 2**128, 2**224 - 1]
    edge += [MASK << (32 * i) for i in range(8)]
    edge += [sum(MASK << (32 * j) for j in range(0, 8, 2)),
             sum(MASK << (32 * j) for j in range(1, 8, 2))]
    return edge + [rng.getrandbits(256) for _ in range(300)] + \
        [rng.getrandbits(rng.randrange(1, 257)) for _ in range(100)]


# ---- the header ----

def emit_statement(chain):
    names = []
    for (_, dest, *srcs) in chain.ops:
        for n in (dest, *srcs):
            if not n.lstrip("-").isdigit() and n not in names:
                names.append(n)
    written = [n for n in names if any(op[1] == n for op in chain.ops)]
    read_only = [n for n in names if n not in written]
    index = {n: i for i, n in enumerate(written + read_only)}
    lines = []
    for (opcode, dest, *srcs) in chain.ops:
        args = ", ".join(s if s.lstrip("-").isdigit() else f"%{index[s]}" for s in (dest, *srcs))
        lines.append(f'"{opcode} {args};\\n\\t"')
    c_name = lambda n: f"{n[0]}[{n[1:]}]" if n[0] in "eortk" else f"{n[0]}.w[{n[1:]}]"
    outs = ", ".join(f'"+&r"({c_name(n)})' for n in written)
    ins = ", ".join(f'"r"({c_name(n)})' for n in read_only)
    body = "\n      ".join(lines)
    return f"  asm({body}\n      : {outs}\n      : {ins});"


def emit_function(signature, chains):
    out = [signature + " {"]
    out.append("  uint32_t e[16] = {};")
    if any(n.startswith("o") for c in chains for op in c.ops for n in op[1:]):
        out.append("  uint32_t o[16] = {};")
    out += [emit_statement(c) for c in chains]
    out.append("  CHAINACCEL_UNROLL")
    out.append("  for (int i = 0; i < 16; ++i) t[i] = e[i];")
    out.append("}")
    return "\n".join(out)


def emit_carry_function(comment, name, chain, result):
    """An 8-limb addition or subtraction of add_sub_chains as a function returning
    `result`, the flag of limb 7 as 0 or 1 (an addition's carry is 0 or 1 in k0 already,
    a borrow leaves all ones there)."""
    return f"""// {comment}
__device__ __forceinline__ uint32_t {name}(const U256& a, const U256& b, U256& out) {{
  uint32_t o[8] = {{}};
  uint32_t k[1] = {{}};
{emit_statement(chain)}
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) out.w[i] = o[i];
  return {result};
}}"""


def header_text(mul, sqr, fold, add_small, add, sub):
    return f"""// Generated by kernels/gen_u256_chains.py: do not edit; change the generator and run it
// (lint/u256_chains checks that this file is what it writes, and simulates every chain).
//
// u256.cuh's wide product and square, its 256-bit addition and subtraction and the
// one-limb reduction's folds as PTX carry chains, for the device only: each limb product
// is one mad.lo and one madc.hi with the carry in the flag, where the C++ loops of u256.cuh
// take a 64-bit product and separate 64-bit additions. The scheme and why every chain is
// one asm statement: the generator's docstring.
#pragma once

#if defined(__CUDA_ARCH__)

// Included by kernels/u256.cuh (after U256), not on its own.
#include <cstdint>

namespace chainaccel::kernels {{

// t[0, 16) = a * b.
{emit_function("__device__ __forceinline__ void U256MulWideChains(const U256& a, const U256& b, uint32_t t[16])", mul)}

// t[0, 16) = a * a.
{emit_function("__device__ __forceinline__ void U256SqrWideChains(const U256& a, uint32_t t[16])", sqr)}

// r[0, 9) = t[0, 8) + t[8, 16) * c: the first fold of ModReduceWideOneLimb.
__device__ __forceinline__ void U256FoldOneLimbChains(const uint32_t t[16], uint32_t c, uint32_t r[9]) {{
  const uint32_t k[1] = {{c}};
  CHAINACCEL_UNROLL
  for (int i = 0; i < 8; ++i) r[i] = t[i];
  r[8] = 0;
{chr(10).join(emit_statement(c) for c in fold)}
}}

{emit_carry_function("out = a + b; returns the carry out of bit 255.", "U256AddChains", add, "k[0]")}

{emit_carry_function("out = a - b; returns the borrow (1 when a < b).", "U256SubChains", sub, "k[0] & 1")}

// r[0, 8) += x. REQUIRES: the sum is below 2^256.
__device__ __forceinline__ void U256AddSmallChains(uint32_t r[8], uint32_t x) {{
  const uint32_t k[1] = {{x}};
{chr(10).join(emit_statement(c) for c in add_small)}
}}

}}  // namespace chainaccel::kernels

#endif  // __CUDA_ARCH__
"""


def check_ptx(paths):
    """In nvcc's PTX, no register an inline-asm carry chain writes is read again later in
    that chain. Such a read means nvcc gave an asm input the register of an in-out operand
    (legal under GCC's rules when both hold the same value, e.g. constant limbs): the chain
    then reads what it wrote instead of its input. Early-clobber in-out operands ("+&r")
    forbid it. Returns the number of chain blocks checked; raises on a violation."""
    blocks = 0
    for path in paths:
        text = pathlib.Path(path).read_text()
        for block in re.findall(r"// begin inline asm\n(.*?)// end inline asm", text, re.S):
            lines = [l.strip() for l in block.split("\n") if l.strip()]
            if not any(".cc." in l for l in lines):
                continue
            blocks += 1
            written = set()
            for line in lines:
                match = re.match(r"(\S+)\s+([^;]*);", line)
                if not match:
                    continue
                dest, *srcs = [o.strip() for o in match.group(2).split(",")]
                for src in srcs:
                    if src in written and src != dest:
                        raise AssertionError(f"{path}: {line} reads {src} after the chain wrote it")
                written.add(dest)
    if blocks == 0:
        raise AssertionError(f"no carry chains in {paths}")
    return blocks


def main():
    if "--ptx" in sys.argv:
        paths = sys.argv[sys.argv.index("--ptx") + 1:]
        print(f"{check_ptx(paths)} carry chains in nvcc's PTX read no register they wrote")
        return 0
    single = "--single" in sys.argv
    values = test_values()
    mul, sqr = product_chains(single), square_chains(single)
    check("mul", mul, values[:60] + values[-40:])
    check("sqr", sqr, values)
    fold, add_small = fold_chains(), add_small_chain()
    check_fold(fold, add_small, values)
    add, sub = add_sub_chains()
    check_add_sub(add, sub, values)
    counts = {"mul": sum(len(c.ops) for c in mul), "sqr": sum(len(c.ops) for c in sqr),
              "fold": sum(len(c.ops) for c in fold), "add": len(add.ops), "sub": len(sub.ops)}
    text = header_text(mul, sqr, fold, add_small, add, sub)
    if "--check" in sys.argv:
        if HEADER.read_text() != text:
            print(f"{HEADER} differs from the generator's output: run {sys.argv[0]}")
            return 1
        print(f"chains simulated exact ({counts}); {HEADER.name} current")
        return 0
    HEADER.write_text(text)
    print(f"wrote {HEADER} ({counts} instructions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
