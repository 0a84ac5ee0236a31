#ifndef BENCH_SUPPORT_H
#define BENCH_SUPPORT_H

/// Pins the calling thread to one CPU. Threads it creates afterwards, and processes it spawns,
/// inherit the mask. Returns 0 or an errno value.
int bench_pin_current_thread(int cpu);

/// Pins the calling thread to the `count` CPUs in `cpus` (a broker with several loops needs
/// several). Returns 0 or an errno value.
int bench_pin_current_thread_to_cpus(const int *cpus, int count);

/// Writes the CPUs the calling thread may run on into `cpus` (at most `capacity`, ascending);
/// returns how many there are, or -1.
int bench_allowed_cpus(int *cpus, int capacity);

/// The number of CPUs the calling thread may run on.
int bench_allowed_cpu_count(void);

/// The CPU the calling thread runs on now, or -1.
int bench_current_cpu(void);

#endif
