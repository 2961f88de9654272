// Entry, vectors and the EL0 round trip of the bare-metal test (see main.c).
  .section .text.start, "ax"
  .global _start
_start:
  ldr x0, =stack_top
  mov sp, x0
  ldr x0, =vectors
  msr vbar_el1, x0
  isb
  bl main
  hvc #0              // result in x0
  b .

// run_user(entry, sp): ERET to EL0 at entry; returns when EL0 issues SVC, with its X0.
  .global run_user
run_user:
  stp x29, x30, [sp, #-16]!
  mov x2, sp
  ldr x3, =saved_sp
  str x2, [x3]
  msr elr_el1, x0
  msr sp_el0, x1
  msr spsr_el1, xzr   // EL0t, interrupts unmasked
  eret
user_returned:        // from the lower-EL sync vector, on SP_EL1
  ldr x3, =saved_sp
  ldr x2, [x3]
  mov sp, x2
  ldp x29, x30, [sp], #16
  ret

  .balign 2048
vectors:
  .rept 4             // current EL, SP_EL0: unexpected
  b unexpected
  .balign 0x80
  .endr
  // current EL, SP_ELx: synchronous -> el1_sync(esr, far, elr) returns the resume address
  sub sp, sp, #256
  stp x0, x1, [sp, #0]
  stp x2, x3, [sp, #16]
  stp x4, x5, [sp, #32]
  stp x6, x7, [sp, #48]
  stp x8, x9, [sp, #64]
  stp x10, x11, [sp, #80]
  stp x12, x13, [sp, #96]
  b el1_sync_tail
  .balign 0x80
  .rept 3
  b unexpected
  .balign 0x80
  .endr
  // lower EL, AArch64: synchronous. SVC returns to run_user's caller with EL0's X0 and ESR in X1.
  mrs x1, esr_el1
  b user_returned
  .balign 0x80
  .rept 3
  b unexpected
  .balign 0x80
  .endr
  .rept 4
  b unexpected
  .balign 0x80
  .endr

el1_sync_tail:
  stp x14, x15, [sp, #112]
  stp x16, x17, [sp, #128]
  stp x18, x30, [sp, #144]
  mrs x0, esr_el1
  mrs x1, far_el1
  mrs x2, elr_el1
  bl el1_sync
  msr elr_el1, x0
  ldp x14, x15, [sp, #112]
  ldp x16, x17, [sp, #128]
  ldp x18, x30, [sp, #144]
  ldp x0, x1, [sp, #0]
  ldp x2, x3, [sp, #16]
  ldp x4, x5, [sp, #32]
  ldp x6, x7, [sp, #48]
  ldp x8, x9, [sp, #64]
  ldp x10, x11, [sp, #80]
  ldp x12, x13, [sp, #96]
  add sp, sp, #256
  eret

unexpected:
  mrs x0, esr_el1
  mov x1, #0xdead
  hvc #1
  b .

  .section .usertext, "ax"
  .global user_entry
// EL0: sums 1..x (x = 100) on the user stack, then SVC with the sum in X0.
user_entry:
  mov x2, #100
  mov x0, #0
1:
  add x0, x0, x2
  str x0, [sp, #-16]!
  ldr x0, [sp], #16
  subs x2, x2, #1
  b.ne 1b
  svc #7
  b .

  .bss
  .balign 8
saved_sp: .quad 0
