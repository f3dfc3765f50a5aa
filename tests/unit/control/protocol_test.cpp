// Protocol: request parsing, replies, and the bounded line reader.
#include "control/protocol.hpp"

#include <gtest/gtest.h>

namespace nimbus::control {
namespace {

TEST(Protocol, ParsesARequest)
{
    auto request = parse_request(R"({"op":"pause","extra":1})");
    ASSERT_TRUE(request) << request.error().message();
    EXPECT_EQ(request->op, "pause");
    EXPECT_EQ(request->arguments["extra"], 1);
}

TEST(Protocol, MalformedRequestsAreErrors)
{
    EXPECT_EQ(parse_request("{not json").error().detail, "not valid JSON");
    EXPECT_EQ(parse_request("").error().detail, "not valid JSON");
    EXPECT_EQ(parse_request("[1,2]").error().detail, "not a JSON object");
    EXPECT_EQ(parse_request(R"({"op":7})").error().detail, "no \"op\" string");
    EXPECT_EQ(parse_request(R"({"op":""})").error().detail, "no \"op\" string");
    EXPECT_EQ(parse_request(R"({"verb":"pause"})").error().detail, "no \"op\" string");
}

TEST(Protocol, OversizedRequestIsRefusedBeforeParsing)
{
    std::string big = R"({"op":"info","pad":")" + std::string(MAX_REQUEST_BYTES, 'x') + R"("})";
    EXPECT_EQ(parse_request(big).error().detail, "request longer than 4096 bytes");
}

TEST(Protocol, RepliesRoundTrip)
{
    std::string ok = ok_reply({{"state", "running"}});
    ASSERT_EQ(ok.back(), '\n');
    auto parsed = parse_reply(std::string_view(ok).substr(0, ok.size() - 1));
    ASSERT_TRUE(parsed);
    EXPECT_EQ((*parsed)["state"], "running");

    std::string refused = error_reply("the guest is shutdown");
    auto error = parse_reply(std::string_view(refused).substr(0, refused.size() - 1));
    ASSERT_FALSE(error);
    EXPECT_EQ(error.error().detail, "the guest is shutdown");
    EXPECT_FALSE(parse_reply("garbage"));
    EXPECT_FALSE(parse_reply(R"({"state":1})"));
}

TEST(Protocol, ErrorReplyQuotingInvalidUtf8StaysValidJson)
{
    std::string reply = error_reply("unknown request \"\xff\xfe\"");
    EXPECT_TRUE(nlohmann::json::accept(reply));
}

TEST(Protocol, EncodedRequestIsOneLine)
{
    std::string line = encode_request("pause", {{"note", "a\nb"}});
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    auto request = parse_request(std::string_view(line).substr(0, line.size() - 1));
    ASSERT_TRUE(request);
    EXPECT_EQ(request->op, "pause");
}

TEST(LineReader, SplitsLinesAcrossChunks)
{
    LineReader reader(64);
    reader.feed("{\"op\":\"in");
    EXPECT_FALSE(reader.next());
    reader.feed("fo\"}\n{\"op\":\"pause\"}\n{\"op\"");
    auto first = reader.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text, R"({"op":"info"})");
    auto second = reader.next();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->text, R"({"op":"pause"})");
    EXPECT_FALSE(reader.next());
}

TEST(LineReader, OversizedLineIsReportedOnceAndTheNextLineStillArrives)
{
    LineReader reader(16);
    reader.feed(std::string(10, 'a'));
    reader.feed(std::string(10, 'b'));  // over the limit without a newline: reported at once
    auto oversized = reader.next();
    ASSERT_TRUE(oversized);
    EXPECT_TRUE(oversized->oversized);
    reader.feed(std::string(1000, 'c'));  // still the same line: skipped, not buffered
    EXPECT_FALSE(reader.next());
    reader.feed("ccc\nshort\n");
    auto next = reader.next();
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->oversized);
    EXPECT_EQ(next->text, "short");
    EXPECT_FALSE(reader.next());
}

TEST(LineReader, LineOfExactlyTheLimitIsAccepted)
{
    LineReader reader(8);
    reader.feed("12345678\n123456789\n");
    auto exact = reader.next();
    ASSERT_TRUE(exact);
    EXPECT_FALSE(exact->oversized);
    EXPECT_EQ(exact->text, "12345678");
    auto over = reader.next();
    ASSERT_TRUE(over);
    EXPECT_TRUE(over->oversized);
    EXPECT_FALSE(reader.next());
}

}  // namespace
}  // namespace nimbus::control
