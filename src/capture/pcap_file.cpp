#include "capture/pcap_file.hpp"

#include <pcap/pcap.h>

#include <cstdio>

#include "capture/packet_decoder.hpp"
#include "intact/failure.hpp"

namespace intact::capture {

PcapFile::PcapFile(const std::string& path) : path_(path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  handle_ = pcap_open_offline(path.c_str(), errbuf);
  if (handle_ == nullptr) {
    throw Error(Failure::io, "cannot read capture " + path + ": " + errbuf +
                " (intact verify reads pcap and pcapng files, e.g. from intact capture, "
                "tshark -w or dumpcap)");
  }
  check_link_type();
}

PcapFile::PcapFile(std::span<const std::uint8_t> bytes, const std::string& name) : path_(name) {
  // fmemopen refuses a zero size; an empty capture is as unreadable as an empty file.
  std::FILE* f = bytes.empty() ? nullptr
                               : fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "rb");
  if (f == nullptr) throw Error(Failure::io, "cannot read capture " + name + ": it is empty");
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  handle_ = pcap_fopen_offline(f, errbuf);  // owns f from here, on success
  if (handle_ == nullptr) {
    std::fclose(f);
    throw Error(Failure::io, "cannot read capture " + name + ": " + errbuf);
  }
  check_link_type();
}

void PcapFile::check_link_type() {
  link_type_ = pcap_datalink(handle_);
  if (!is_supported_link_type(link_type_)) {
    std::string name = link_type_name();
    pcap_close(handle_);
    handle_ = nullptr;
    throw Error(Failure::io, "capture " + path_ + " has link type " + name +
                ", which intact verify does not read; record on an Ethernet, loopback or "
                "'any' interface (Linux cooked), or as raw IP");
  }
}

PcapFile::~PcapFile() {
  if (handle_ != nullptr) pcap_close(handle_);
}

std::string PcapFile::link_type_name() const {
  const char* name = pcap_datalink_val_to_name(link_type_);
  return name != nullptr ? name : std::to_string(link_type_);
}

bool PcapFile::next(CapturedPacket& packet) {
  struct pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(handle_, &header, &data);
  if (rc == PCAP_ERROR_BREAK) return false;  // end of file
  if (rc != 1) {
    throw Error(Failure::io, "capture " + path_ + " is damaged after packet " + std::to_string(count_) + ": " +
                pcap_geterr(handle_));
  }
  packet.number = ++count_;
  packet.bytes = {data, header->caplen};
  packet.original_length = header->len;
  return true;
}

}  // namespace intact::capture
