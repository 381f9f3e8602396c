# Every third-party dependency, each from a Debian package (scripts/install-deps).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Boost 1.83 (bookworm-backports). Asio and Beast are compiled once, in core/asio_impl.cpp.
find_package(Boost 1.83 REQUIRED COMPONENTS json)
add_library(gatehouse_asio_defs INTERFACE)
target_compile_definitions(gatehouse_asio_defs INTERFACE
  BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(gatehouse_asio_defs INTERFACE Boost::headers Threads::Threads)

find_package(OpenSSL 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(CURL REQUIRED)
pkg_check_modules(LIBSSH REQUIRED IMPORTED_TARGET libssh>=0.10.6)
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
