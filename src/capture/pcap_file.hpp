// src/capture/pcap_file.hpp: reads the packets of a capture file (pcap or
// pcapng) through libpcap, one at a time.
//
// The only unit in src/capture that touches a file. It hands out each packet's
// bytes as libpcap recorded them and never holds more than one packet; a file
// libpcap cannot read is an intact::Error naming the file and the reason.
#pragma once

#include <cstdint>
#include <span>
#include <string>

struct pcap;

namespace intact::capture {

struct CapturedPacket {
  std::uint64_t number = 0;             // 1-based, as Wireshark numbers frames
  std::span<const std::uint8_t> bytes;  // valid until the next call to next()
  std::uint32_t original_length = 0;    // the packet's length on the wire
};

class PcapFile {
 public:
  explicit PcapFile(const std::string& path);
  // A capture held in memory (the fuzz targets); `name` stands for the file in
  // messages. The bytes must outlive the PcapFile.
  PcapFile(std::span<const std::uint8_t> bytes, const std::string& name);
  ~PcapFile();
  PcapFile(const PcapFile&) = delete;
  PcapFile& operator=(const PcapFile&) = delete;

  int link_type() const noexcept { return link_type_; }
  std::string link_type_name() const;
  // False at the end of the file. Throws intact::Error if the file is damaged.
  bool next(CapturedPacket& packet);

 private:
  void check_link_type();
  std::string path_;
  struct pcap* handle_ = nullptr;
  int link_type_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace intact::capture
