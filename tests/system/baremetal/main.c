/*
 * Bare-metal EL1 test for the system-mode CPU: page tables, MMU on, a high (TTBR1) alias, a data
 * abort handled and skipped, and a round trip to EL0 and back by SVC. main() returns a bit mask of
 * passed checks (all set: 0x3f); start.S hands it to the test with HVC #0.
 */
typedef unsigned long u64;

extern char pt_base[], user_stack_top[], user_entry[];
u64 run_user(u64 entry, u64 sp);

static volatile u64 last_esr, last_far;

#define SYSREG_W(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((u64)(v)))
#define SYSREG_R(r) ({ u64 _v; __asm__ volatile("mrs %0, " #r : "=r"(_v)); _v; })

/* Resume after the faulting instruction. */
u64 el1_sync(u64 esr, u64 far, u64 elr) {
  last_esr = esr;
  last_far = far;
  return elr + 4;
}

#define PAGE_AF (1UL << 10)
#define AP_EL0_RW (1UL << 6)
#define AP_RO (1UL << 7)
#define PXN (1UL << 53)
#define UXN (1UL << 54)

int main(void) {
  u64 *l1_lo = (u64 *)pt_base;          /* TTBR0 level 1 */
  u64 *l2_lo = (u64 *)(pt_base + 0x1000);
  u64 *l3_lo = (u64 *)(pt_base + 0x2000); /* the 2 MiB at 0 in 4 KiB pages */
  u64 *l1_hi = (u64 *)(pt_base + 0x3000); /* TTBR1 level 1 */
  u64 result = 0;
  for (int i = 0; i < 512; i++) l1_lo[i] = l2_lo[i] = l3_lo[i] = l1_hi[i] = 0;
  l1_lo[0] = (u64)l2_lo | 3;
  l2_lo[0] = (u64)l3_lo | 3;
  /* 2 MiB..4 MiB: one block, EL1 only. */
  l2_lo[1] = 0x200000 | PAGE_AF | 1 | UXN;
  for (u64 pa = 0x1000; pa < 0x200000; pa += 0x1000) l3_lo[pa >> 12] = pa | PAGE_AF | 3 | UXN;
  /* The EL0 code page: read-only at both levels, executable at EL0; the EL0 stack page: EL0 RW. */
  u64 ucode = (u64)user_entry, ustack = (u64)user_stack_top - 0x1000;
  l3_lo[ucode >> 12] = ucode | PAGE_AF | 3 | AP_EL0_RW | AP_RO | PXN;
  l3_lo[ustack >> 12] = ustack | PAGE_AF | 3 | AP_EL0_RW | PXN | UXN;
  l3_lo[0x1f0] = 0; /* 0x1f0000 unmapped */
  /* High alias: VA 0xffffffc000000000 (level-1 index 256 with T1SZ = 25) = PA 0, 1 GiB block. */
  l1_hi[256] = 0 | PAGE_AF | 1 | UXN;

  SYSREG_W(mair_el1, 0xff);
  SYSREG_W(tcr_el1, 25UL | (25UL << 16) | (2UL << 30) | (2UL << 32));
  SYSREG_W(ttbr0_el1, l1_lo);
  SYSREG_W(ttbr1_el1, l1_hi);
  __asm__ volatile("isb");
  SYSREG_W(sctlr_el1, SYSREG_R(sctlr_el1) | 1);
  __asm__ volatile("isb");
  if (SYSREG_R(sctlr_el1) & 1) result |= 1;

  /* Write through the high alias, read through the identity map. */
  static volatile u64 cell;
  volatile u64 *hi = (volatile u64 *)(0xffffffc000000000UL + (u64)&cell);
  *hi = 0x1234abcd;
  if (cell == 0x1234abcd) result |= 2;

  /* A load from an unmapped page: data abort at EL1, translation fault level 3, skipped. */
  volatile u64 *hole = (volatile u64 *)0x1f0008;
  (void)*hole;
  if ((last_esr >> 26) == 0x25 && (last_esr & 0x3f) == 7 && last_far == 0x1f0008) result |= 4;

  /* EL0 and back: the user code sums 1..100 and makes an SVC. */
  u64 sum = run_user(ucode, (u64)user_stack_top);
  if (sum == 5050) result |= 8;
  if (SYSREG_R(esr_el1) == ((0x15UL << 26) | (1UL << 25) | 7)) result |= 16;
  if (SYSREG_R(CurrentEL) == 4) result |= 32;
  return (int)result;
}
