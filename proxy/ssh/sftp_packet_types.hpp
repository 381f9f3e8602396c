#pragma once
// SFTP v3 packet types (draft-ietf-secsh-filexfer-02, as OpenSSH's sftp-server speaks them), in
// one place for both readers of SFTP bytes: the SSH gate's sftp_observer (proxy/ssh/sftp_audit)
// and the web SFTP's client (websftp/sftp_wire). Header only, no dependencies.
#include <cstdint>

namespace gatehouse::sftp {

enum packet_type : std::uint8_t {
  fxp_init = 1,
  fxp_version = 2,
  fxp_open = 3,
  fxp_close = 4,
  fxp_read = 5,
  fxp_write = 6,
  fxp_setstat = 9,
  fxp_fsetstat = 10,
  fxp_opendir = 11,
  fxp_readdir = 12,
  fxp_remove = 13,
  fxp_mkdir = 14,
  fxp_rmdir = 15,
  fxp_realpath = 16,
  fxp_stat = 17,
  fxp_rename = 18,
  fxp_symlink = 20,
  fxp_status = 101,
  fxp_handle = 102,
  fxp_data = 103,
  fxp_name = 104,
  fxp_attrs = 105,
  fxp_extended = 200,
};

}  // namespace gatehouse::sftp
