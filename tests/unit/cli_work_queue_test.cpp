// The bounded queue between the walker and the workers.
#include "cli/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace harrier::cli {
namespace {

TEST(CliWorkQueue, DeliversEverythingOnceAcrossThreads) {
  WorkQueue<int> queue(4);
  std::stop_source stop;
  std::atomic<long> sum{0};
  std::atomic<int> count{0};
  {
    std::vector<std::jthread> consumers;
    for (int i = 0; i < 4; i++) {
      consumers.emplace_back([&] {
        while (auto item = queue.pop(stop.get_token())) {
          sum += *item;
          count++;
        }
      });
    }
    for (int i = 1; i <= 1000; i++) ASSERT_TRUE(queue.push(i, stop.get_token()));
    queue.close();
  }
  EXPECT_EQ(count, 1000);
  EXPECT_EQ(sum, 500500);
}

TEST(CliWorkQueue, OrderedQueueHandsOutTheFirstInOrder) {
  // Largest first, as the scan pool orders files; arrival order among equals is not promised.
  WorkQueue<int> queue(8, [](const int& a, const int& b) { return a > b; });
  std::stop_source stop;
  for (int v : {3, 9, 1, 7, 5}) ASSERT_TRUE(queue.push(v, stop.get_token()));
  queue.close();
  std::vector<int> out;
  while (auto item = queue.pop(stop.get_token())) out.push_back(*item);
  EXPECT_EQ(out, (std::vector<int>{9, 7, 5, 3, 1}));
}

TEST(CliWorkQueue, StopWakesABlockedProducerAndConsumer) {
  WorkQueue<int> full(1);
  WorkQueue<int> empty(1);
  std::stop_source stop;
  ASSERT_TRUE(full.push(1, stop.get_token()));
  std::atomic<bool> push_result{true};
  std::atomic<bool> popped{true};
  std::jthread producer([&] { push_result = full.push(2, stop.get_token()); });
  std::jthread consumer([&] { popped = empty.pop(stop.get_token()).has_value(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop.request_stop();
  producer.join();
  consumer.join();
  EXPECT_FALSE(push_result);
  EXPECT_FALSE(popped);
}

TEST(CliWorkQueue, ClosedQueueRefusesPushesAndDrains) {
  WorkQueue<int> queue(2);
  std::stop_source stop;
  ASSERT_TRUE(queue.push(7, stop.get_token()));
  queue.close();
  EXPECT_FALSE(queue.push(8, stop.get_token()));
  EXPECT_EQ(queue.pop(stop.get_token()), 7);
  EXPECT_EQ(queue.pop(stop.get_token()), std::nullopt);
}

}  // namespace
}  // namespace harrier::cli
